"""Send the milestone reminders due on a day (default: today in Asia/Shanghai)."""

import datetime
import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zichuan_heating.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "发送（或 --dry-run 仅列出）当天到期的时间节点提醒；每个镇每个节点每天只发一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help=gettext_lazy("按此日期计算（YYYY-MM-DD），默认今天"))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("只列出将发送的提醒，不发送")
        )
        parser.add_argument(
            "--json", action="store_true", help=gettext_lazy("以 JSON 输出镇、节点与接收人")
        )

    def handle(self, *args, today: str | None, dry_run: bool, json: bool, **options):
        from tasks.progress.reminders import reminders_send
        from tasks.queries import active_programme

        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(_("--today 应为 YYYY-MM-DD：%(d)s") % {"d": today}) from exc
        programme = active_programme()
        if programme is None:
            raise CommandError(_("没有当前年度的清洁取暖工作。"))
        results = reminders_send(programme=programme, today=day, dry_run=dry_run)
        if json:
            self.stdout.write(_dumps(results))
            return
        line = (
            _("将发送：%(town)s %(m)s → %(to)s")
            if dry_run
            else _("已发送：%(town)s %(m)s → %(to)s")
        )
        for r in results:
            self.stdout.write(
                line
                % {"town": r["town_name"], "m": r["milestone"], "to": ", ".join(r["recipients"])}
            )
        total = _("将发送 %(n)s 条提醒。") if dry_run else _("已发送 %(n)s 条提醒。")
        self.stdout.write(total % {"n": len(results)})


def _dumps(results: list) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2)
