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
        # the coordinators' dashboard shows collected vs spent without letters importing us
        from letters.coordination import register_postage_collected

        from .selectors import postage_collected_by_currency

        register_postage_collected(postage_collected_by_currency)
