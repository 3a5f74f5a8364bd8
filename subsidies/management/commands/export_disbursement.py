"""python manage.py export_disbursement BATCH --out FILE.xlsx [--user NAME] [--password-stdin]

With --password-stdin the file is encrypted for the bank with the password read from the first
line of standard input (never an argument, which other users of the machine could read)."""

import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zichuan_heating.commands import TranslatedCommand
from zichuan_heating.templatetags.money import format_yuan


class Command(TranslatedCommand):
    stealth_options = ("stdin",)
    help = gettext_lazy(
        "导出发放批次的补贴发放表（xlsx）。默认身份证号脱敏；--full-id 需指定有权限的 --user。"
    )

    def add_arguments(self, parser):
        parser.add_argument("batch", help=gettext_lazy("批次 id 或编号（如 PC00001）"))
        parser.add_argument("--out", required=True, help=gettext_lazy("输出文件 .xlsx"))
        parser.add_argument(
            "--user", help=gettext_lazy("以该用户身份导出（决定是否完整显示身份证号并记录）")
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=gettext_lazy("从标准输入的第一行读取文件密码，导出加密的发放表（供银行）"),
        )

    def handle(self, *args, batch: str, out: str, user: str | None, **options):
        password = None
        if options.get("password_stdin"):
            password = (options.get("stdin") or sys.stdin).readline().rstrip("\r\n")
        from django.core.exceptions import ValidationError

        from subsidies.models import DisbursementBatch
        from subsidies.services import disbursement_export
        from zichuan_heating.models import User

        pk = batch.upper().removeprefix("PC")
        if not pk.isdigit():
            raise CommandError(_("批次编号无效：%(b)s") % {"b": batch})
        obj = DisbursementBatch.objects.filter(pk=int(pk)).select_related("programme").first()
        if obj is None:
            raise CommandError(_("没有批次 %(b)s") % {"b": batch})
        by = None
        if user:
            by = User.objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(_("没有用户 %(u)s") % {"u": user})
        from tasks.models import IdNumberView

        try:
            full = disbursement_export(
                batch=obj,
                by=by,
                out=out,
                password=password,
                context=IdNumberView.Context.BATCH_COMMAND,
                filters={"out": str(out)},
            )
        except ValidationError as exc:
            raise CommandError(_("；").join(exc.messages)) from exc
        ids = _("身份证号完整") if full else _("身份证号脱敏")
        if password is not None:
            ids = _("%(ids)s，已加密") % {"ids": ids}
        self.stdout.write(
            _("%(b)s：%(n)s 笔，合计 %(t)s → %(out)s（%(ids)s）")
            % {
                "b": obj.number,
                "n": obj.line_count,
                "t": format_yuan(obj.total_amount),
                "out": out,
                "ids": ids,
            }
        )
