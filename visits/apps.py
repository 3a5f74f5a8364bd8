"""访民问暖: verification visits after payment, complaints and hotline cases, safety checks.

A sub-domain of its own (it reads the ledger, the plans and the payments, and nothing there reads
it), so it is an app beside `tasks`, `acceptance` and `subsidies` rather than a package inside one.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("访民问暖")

    def ready(self) -> None:
        from tasks.progress.sections import register_report_section
        from visits.queries import report_rows as visit_rows
        from visits.safety.queries import report_rows as safety_rows

        # The progress reports' sections: visits and cases, and safety findings and drills.
        register_report_section("visits", visit_rows)
        register_report_section("safety", safety_rows)
