"""Celery tasks for payments: they take ids, call one service, and are safe to run twice."""

from celery import shared_task

from core.tasks import mail_task

from .stripe_api import StripeUnavailable


@shared_task(
    acks_late=True,
    autoretry_for=(StripeUnavailable,),
    retry_backoff=60,
    retry_backoff_max=6 * 3600,
    max_retries=10,
)
def refund_payment(payment_id: int) -> bool:
    from .services import payment_refund

    return payment_refund(payment_id=payment_id)


@mail_task
def send_payment_receipt(payment_id: int) -> bool:
    from .services import payment_receipt_send

    return payment_receipt_send(payment_id=payment_id)


@shared_task(acks_late=True)
def reconcile_payments() -> int:
    from .services import payments_reconcile

    return payments_reconcile()
