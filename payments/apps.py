from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from letters.signals import letter_transitioned

        from . import receivers

        letter_transitioned.connect(
            receivers.refund_closed_letter, dispatch_uid="payments.refund_closed_letter"
        )
