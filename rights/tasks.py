from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_rights_link(letter_ids: list[int], locale: str = "en") -> None:
    from .services import rights_link_send

    rights_link_send(letter_ids=letter_ids, locale=locale)
