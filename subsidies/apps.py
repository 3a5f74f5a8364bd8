"""补贴: subsidy standards, instalment schedules, disbursement batches and exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("补贴发放")

    def ready(self) -> None:
        from subsidies import receivers  # noqa: F401  (connects the ledger's signals)
        from subsidies.metering import trace as metering_trace
        from subsidies.metering.ledger_columns import METER_COLUMNS
        from subsidies.payments.ledger_columns import ACCOUNT_COLUMNS
        from subsidies.queries import amounts_by_season, amounts_by_town_and_season
        from tasks.ledger.importing.extra import register_ledger_columns
        from tasks.progress.sections import register_report_section

        register_report_section("subsidies", amounts_by_season)
        register_report_section("subsidies_by_town", amounts_by_town_and_season)
        metering_trace.register()  # the trace shows the readings an amount was priced on

        register_ledger_columns(METER_COLUMNS)
        register_ledger_columns(ACCOUNT_COLUMNS)
