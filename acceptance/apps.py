"""验收: acceptance records, checklists and rectifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    verbose_name = _("竣工与调试验收")

    def ready(self) -> None:
        from acceptance.queries import accepted_by_day
        from tasks.progress.sections import register_report_section

        register_report_section("accepted_by_day", accepted_by_day)
