"""建设任务: programmes, towns, villages, quotas, plans and the household ledger."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("建设任务")
