"""Set up a database: migrate, load the programme data, sync role groups; --demo adds the
demo users and the demo programme as it stands on the day."""

import datetime
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "迁移数据库、加载年度任务表与角色；--demo 另建演示用户（密码只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="创建每个角色的演示用户")
        parser.add_argument("--no-migrate", action="store_true", help="跳过数据库迁移")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="演示数据所处的日期（YYYY-MM-DD，默认今天）",
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
            f"programme data: {len(loaded.created)} created, {loaded.unchanged} unchanged; "
            f"role groups changed: {len(groups)}"
        )
        standards = standards_load()
        self.stdout.write(
            f"subsidy standards (示例): {len(standards.created)} created, "
            f"{standards.unchanged} unchanged"
        )
        catalogue = catalogue_load()
        self.stdout.write(
            f"example catalogue (示例数据): {len(catalogue.created)} created, "
            f"{catalogue.unchanged} unchanged"
        )
        villages = villages_load()
        self.stdout.write(
            f"villages: {len(villages.created)} created, {villages.unchanged} unchanged"
        )
        if demo:
            self._demo(today or timezone.localdate())

    def _demo(self, today: datetime.date) -> None:
        from zichuan_heating.demo import demo_programme_load, demo_users_create

        created = demo_users_create(password=os.environ.get("ZH_DEMO_PASSWORD") or None)
        if created:
            self.stdout.write("演示用户（密码只显示这一次，请记下）:")
            for username, role, pw in created:
                self.stdout.write(f"  {username:<22} {role:<12} {pw}")
        else:
            self.stdout.write("演示用户已存在，未做改动。")
        self.stdout.write(f"demo programme as of {today:%Y-%m-%d}:")
        outcome = demo_programme_load(today=today, progress=self.stdout.write)
        if outcome.loaded:
            self.stdout.write(f"demo programme loaded in {outcome.seconds:.1f} s")
        else:
            self.stdout.write("demo programme already has households: 0 created, unchanged")
