"""Import a utility's season readings (xlsx or csv): the same checks and all-or-nothing write
as the finance bureau's upload page and the utilities' API.

Exit codes: 0 written (or, with --dry-run, would be), 1 rows rejected and nothing written,
2 the file is unusable or the arguments are wrong.
"""

import json
import re

from django.core.management.base import BaseCommand, CommandError

from subsidies.metering.services import readings_import_file
from tasks.ledger.importing.plan import RowError
from tasks.models import Programme
from tasks.queries import active_programme
from zichuan_heating.spreadsheets import UnusableFile


class Command(BaseCommand):
    help = "导入采暖季抄表数据（xlsx 或 csv）。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--season", required=True, help="采暖季，如 2026-2027")
        parser.add_argument("--programme", type=int, help="年度，如 2021（默认当前年度）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args, **options):
        season = options["season"]
        if not re.fullmatch(r"\d{4}-\d{4}", season) or int(season[5:]) != int(season[:4]) + 1:
            self._fail(options, f"采暖季应写成 2026-2027 的形式：{season}")
        if options["programme"]:
            programme = Programme.objects.filter(year=options["programme"]).first()
        else:
            programme = active_programme()
        if programme is None:
            self._fail(options, "找不到年度，请用 --programme 指定。")
        try:
            outcome = readings_import_file(
                path=options["file"],
                programme=programme,
                season=season,
                dry_run=options["dry_run"],
                file_name=str(options["file"])[-200:],
            )
        except (UnusableFile, OSError) as e:
            self._fail(options, getattr(e, "message", None) or "找不到文件或无法读取。")
        self._emit(options, outcome.as_dict(), outcome.errors, options["dry_run"])
        if outcome.errors:
            raise SystemExit(1)

    def _fail(self, options, message):
        if options["json"]:
            payload = {"created": 0, "updated": 0, "unchanged": 0}
            payload["errors"] = [RowError(None, "", message).as_dict()]
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            raise SystemExit(2)
        raise CommandError(message, returncode=2)

    def _emit(self, options, payload, errors, dry_run):
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        for e in errors:
            where = f"第 {e.row} 行 " if e.row else ""
            column = f"[{e.column}] " if e.column else ""
            self.stderr.write(f"{where}{column}{e.message}")
        if errors:
            self.stderr.write(f"共 {len(errors)} 处错误，未写入任何数据。")
            return
        verb = "将" if dry_run else "已"
        self.stdout.write(
            f"{verb}新增 {payload['created']} 条，{verb}更新 {payload['updated']} 条，"
            f"未变化 {payload['unchanged']} 条。" + ("（试运行，未写入）" if dry_run else "")
        )
