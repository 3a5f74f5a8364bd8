"""Send the overdue-rectification reminders of a day (default: today in Asia/Shanghai)."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "发送当天的隐患整改逾期提醒；每个镇（街道）每天只发一次，区清洁取暖办收到汇总。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出已发送的提醒")

    def handle(self, *args, today: str | None, json: bool, **options):
        from visits.safety.reminders import overdue_reminders_send

        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today 应为 YYYY-MM-DD：{today}") from exc
        results = overdue_reminders_send(today=day)
        if json:
            self.stdout.write(_dumps(results))
            return
        for r in results:
            self.stdout.write(f"已发送 {r['subject']}")
        self.stdout.write(f"已发送 {len(results)} 条提醒。")


def _dumps(results: list) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2)
