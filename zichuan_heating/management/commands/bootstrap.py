"""Set up a database: migrate, load the programme data, sync role groups; --demo adds the
demo users and the demo programme as it stands on the day."""

import datetime
import os

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zichuan_heating.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("迁移数据库、加载年度任务表与角色；--demo 另建演示用户（密码只显示一次）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help=gettext_lazy("创建每个角色的演示用户")
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help=gettext_lazy("跳过数据库迁移")
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help=gettext_lazy("演示数据所处的日期（YYYY-MM-DD，默认今天）"),
        )

    def handle(self, *args, demo: bool, no_migrate: bool, today=None, **options):
        from subsidies.services import standards_load
        from tasks.services import catalogue_load, programme_data_load
        from tasks.villages.services import villages_load
        from zichuan_heating.roles import sync_role_groups

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        loaded = programme_data_load()
        groups = sync_role_groups()
        self.stdout.write(
            _("年度任务表：新建 %(c)s 项，未变化 %(u)s 项；角色组变更 %(g)s 个")
            % {"c": len(loaded.created), "u": loaded.unchanged, "g": len(groups)}
        )
        standards = standards_load()
        self.stdout.write(
            _("补贴标准（示例）：新建 %(c)s 项，未变化 %(u)s 项")
            % {"c": len(standards.created), "u": standards.unchanged}
        )
        catalogue = catalogue_load()
        self.stdout.write(
            _("设备目录（示例数据）：新建 %(c)s 项，未变化 %(u)s 项")
            % {"c": len(catalogue.created), "u": catalogue.unchanged}
        )
        villages = villages_load()
        self.stdout.write(
            _("村（居）：新建 %(c)s 个，未变化 %(u)s 个")
            % {"c": len(villages.created), "u": villages.unchanged}
        )
        if demo:
            self._demo(today or timezone.localdate())

    def _demo(self, today: datetime.date) -> None:
        from zichuan_heating.demo import demo_programme_load, demo_users_create

        with translation.override(settings.LANGUAGE_CODE):
            created = demo_users_create(password=os.environ.get("ZH_DEMO_PASSWORD") or None)
        if created:
            self.stdout.write(_("演示用户（密码只显示这一次，请记下）："))
            for username, role, pw in created:
                self.stdout.write(f"  {username:<22} {role:<12} {pw}")
        else:
            self.stdout.write(_("演示用户已存在，未做改动。"))
        self.stdout.write(_("演示数据（截至 %(d)s）：") % {"d": f"{today:%Y-%m-%d}"})
        # The demo's data is Chinese (its ledger workbook carries the Chinese labels) whatever
        # the language of the output.
        with translation.override(settings.LANGUAGE_CODE):
            outcome = demo_programme_load(today=today, progress=self.stdout.write)
        if outcome.loaded:
            self.stdout.write(_("演示数据已加载，用时 %(s).1f 秒") % {"s": outcome.seconds})
        else:
            self.stdout.write(_("演示数据已有改造户：未新建，未做改动"))
