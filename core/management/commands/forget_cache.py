"""After ``make restore``: forget what the cache learned from the replaced database."""

from django.core.management.base import BaseCommand

from core.cache import cache_forget_all


class Command(BaseCommand):
    help = (
        "Forget the cache's sessions, staff permissions, public pages and remembered sendings "
        "(run after restoring the database); Celery's queues stay."
    )

    def handle(self, *args, **options):
        removed = cache_forget_all()
        told = "The cache is empty." if removed < 0 else f"Forgot {removed} cached keys."
        self.stdout.write(self.style.SUCCESS(told))
