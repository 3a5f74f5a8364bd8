"""Import a household ledger workbook: the same checks and all-or-nothing commit as the browser.

Exit codes: 0 committed (or, with --dry-run, would be), 1 rows rejected and nothing written,
2 the file is unusable (not an xlsx, no 台账 header row, ...) or the arguments are wrong.
"""

import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.ledger.importing import RowError, Scope, UnusableFile, import_ledger
from tasks.models import Programme, Town
from zichuan_heating.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("导入改造户台账（xlsx，工作表“台账”）。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--programme", type=int, required=True, help=gettext_lazy("年度，如 2021")
        )
        parser.add_argument(
            "--town", help=gettext_lazy("只允许导入该镇（街道）编码的行，如 hongshan")
        )
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只校验，不写入"))
        parser.add_argument(
            "--create-villages", action="store_true", help=gettext_lazy("登记新的村（居）")
        )
        parser.add_argument("--json", action="store_true", help=gettext_lazy("输出一个 JSON 对象"))

    def handle(self, *args, **options):
        try:
            programme = Programme.objects.get(year=options["programme"])
        except Programme.DoesNotExist:
            raise CommandError(
                _("没有 %(y)s 年度。") % {"y": options["programme"]}, returncode=2
            ) from None
        scope = Scope(None)
        if options["town"]:
            town = Town.objects.filter(code=options["town"]).first()
            if town is None:
                raise CommandError(
                    _("没有编码为 %(c)s 的镇（街道）。") % {"c": options["town"]}, returncode=2
                )
            scope = Scope({town.id})
        try:
            outcome = import_ledger(
                options["file"],
                programme=programme,
                scope=scope,
                create_villages=options["create_villages"],
                dry_run=options["dry_run"],
            )
        except UnusableFile as e:
            self._emit(
                options,
                {"created": 0, "updated": 0, "unchanged": 0},
                [RowError(None, "", e.message)],
            )
            raise SystemExit(2) from None
        counts = {
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        }
        self._emit(options, counts, outcome.errors, dry_run=options["dry_run"])
        if outcome.errors:
            raise SystemExit(1)

    def _emit(self, options, counts, errors, dry_run=False):
        if options["json"]:
            payload = {**counts, "errors": [e.as_dict() for e in errors]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        for e in errors:
            where = _("第 %(n)s 行 ") % {"n": e.row} if e.row else ""
            column = f"[{e.column}] " if e.column else ""
            self.stderr.write(f"{where}{column}{e.message}")
        if errors:
            self.stderr.write(_("共 %(n)s 处错误，未写入任何数据。") % {"n": len(errors)})
            return
        if dry_run:
            text = _(
                "将新增 %(created)s 户，将更新 %(updated)s 户，未变化 %(unchanged)s 户。"
                "（试运行，未写入）"
            )
        else:
            text = _("已新增 %(created)s 户，已更新 %(updated)s 户，未变化 %(unchanged)s 户。")
        self.stdout.write(text % counts)
