"""Send the milestone reminders due on a day (default: today in Asia/Shanghai)."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "发送（或 --dry-run 仅列出）当天到期的时间节点提醒；每个镇每个节点每天只发一次。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只列出将发送的提醒，不发送")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出镇、节点与接收人")

    def handle(self, *args, today: str | None, dry_run: bool, json: bool, **options):
        from tasks.progress.reminders import reminders_send
        from tasks.queries import active_programme

        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today 应为 YYYY-MM-DD：{today}") from exc
        programme = active_programme()
        if programme is None:
            raise CommandError("没有当前年度的清洁取暖工作。")
        results = reminders_send(programme=programme, today=day, dry_run=dry_run)
        if json:
            self.stdout.write(_dumps(results))
            return
        verb = "将发送" if dry_run else "已发送"
        for r in results:
            self.stdout.write(
                f"{verb} {r['town_name']} {r['milestone']} → {', '.join(r['recipients'])}"
            )
        self.stdout.write(f"{verb} {len(results)} 条提醒。")


def _dumps(results: list) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2)
