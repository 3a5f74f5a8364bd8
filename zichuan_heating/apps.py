"""The project package as an app: it owns the user model and role groups."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZichuanHeatingConfig(AppConfig):
    name = "zichuan_heating"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from zichuan_heating import sessions
        from zichuan_heating.security import install_log_record_factory

        install_log_record_factory()
        sessions.connect()
