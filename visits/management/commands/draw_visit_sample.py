"""Draw the verification sample of a heating season: print it, or with --save record it."""

import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tasks.models import Town
from visits.queries import draw_plan
from visits.services import sample_draw
from visits.services.sampling import draw_errors
from zichuan_heating.models import User


class Command(BaseCommand):
    help = "抽取访民问暖回访样本（默认只显示，--save 记录并通知各镇）。"

    def add_arguments(self, parser):
        parser.add_argument("--season", required=True, help="采暖季，如 2025-2026")
        parser.add_argument("--confidence", type=Decimal, default=Decimal("0.95"))
        parser.add_argument("--margin", type=Decimal, default=Decimal("0.05"))
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--town", help="只回访这个镇（街道）的全部已发放户（镇代码）")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--save", action="store_true", help="记录样本并通知各镇")
        parser.add_argument("--user", help="--save 时记作抽样人的区清洁取暖办用户名")

    def handle(self, *args, **o):
        town = None
        if o["town"]:
            town = Town.objects.filter(code=o["town"]).first()
            if town is None:
                raise CommandError(f"没有代码为 {o['town']} 的镇（街道）。")
        errors = draw_errors(o["season"], o["confidence"], o["margin"], o["seed"], town)
        if errors:
            raise CommandError("；".join(errors.values()))
        if o["save"]:
            self._save(o, town)
        plan = draw_plan(
            season=o["season"],
            confidence=o["confidence"],
            margin=o["margin"],
            seed=o["seed"],
            town_id=town.pk if town else None,
        )
        if o["json"]:
            self.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(f"{plan.season}: {plan.population} paid, {plan.sample} drawn")
        for t in plan.towns:
            self.stdout.write(f"  {t.town.name}: {t.population} paid, {t.sample} drawn")

    def _save(self, o, town):
        user = User.objects.filter(username=o["user"] or "").first()
        if user is None:
            raise CommandError("--save 需要 --user（区清洁取暖办用户名）。")
        try:
            sample_draw(
                season=o["season"],
                by=user,
                confidence=None if town else o["confidence"],
                margin=None if town else o["margin"],
                seed=None if town else o["seed"],
                town=town,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
