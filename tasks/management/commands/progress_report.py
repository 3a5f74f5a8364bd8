"""Render a progress report PDF for a programme: the district, or one town with --town."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zichuan_heating.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("生成进度报告 PDF：全区，或用 --town 指定一个镇（街道）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme", type=int, required=True, help=gettext_lazy("年度，例如 2021")
        )
        parser.add_argument("--town", help=gettext_lazy("镇（街道）编码，例如 hongshan"))
        parser.add_argument("--out", required=True, help=gettext_lazy("输出 PDF 文件"))

    def handle(self, *args, programme: int, town: str | None, out: str, **options):
        from tasks.models import Programme, Town
        from tasks.progress.reports import report_write

        try:
            prog = Programme.objects.get(year=programme)
        except Programme.DoesNotExist as exc:
            raise CommandError(_("没有 %(y)s 年度的清洁取暖工作。") % {"y": programme}) from exc
        town_obj = None
        if town:
            try:
                town_obj = Town.objects.get(code=town)
            except Town.DoesNotExist as exc:
                raise CommandError(_("没有编码为 %(c)s 的镇（街道）。") % {"c": town}) from exc
        path = report_write(prog, town_obj, Path(out))
        self.stdout.write(_("%(p)s（%(n)s 字节）") % {"p": path, "n": path.stat().st_size})
