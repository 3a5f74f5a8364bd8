"""验收: acceptance records, checklists and rectifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    verbose_name = _("竣工与调试验收")
