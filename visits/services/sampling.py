"""Drawing the verification sample of a heating season (or every paid household of a town)."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.models import Town
from tasks.plans.services.access import require_district
from visits.models import SampleMode, Visit, VisitSample
from visits.queries import DrawPlan, draw_plan
from zichuan_heating.services import notification_send, town_officials

CONFIDENCES = (Decimal("0.90"), Decimal("0.95"), Decimal("0.99"))
_SEASON = re.compile(r"^(\d{4})-(\d{4})$")


def season_errors(season: str) -> str | None:
    m = _SEASON.match(season or "")
    if not m or int(m[2]) != int(m[1]) + 1:
        return _("采暖季应写作“2025-2026”（前后两年相连）。")
    return None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def draw_errors(
    season: str, confidence: Any, margin: Any, seed: Any, town: Town | None
) -> dict[str, str]:
    """Why the draw's parameters are refused, by field; empty when they are fine."""
    errors = {}
    if msg := season_errors(season):
        errors["season"] = msg
    if town is None:
        if _decimal(confidence) not in CONFIDENCES:
            errors["confidence"] = _("置信水平只能是 0.90、0.95 或 0.99。")
        m = _decimal(margin)
        if m is None or not Decimal("0.01") <= m <= Decimal("0.20"):
            errors["margin"] = _("允许误差应在 0.01 到 0.20 之间。")
        if not isinstance(seed, int) or not 0 <= seed < 2**63:
            errors["seed"] = _("随机种子应为非负整数。")
    return errors


def _tell_towns(sample: VisitSample, plan: DrawPlan) -> None:
    url = reverse("visits:visit_list") + f"?season={sample.season}&status=pending"
    for row in plan.towns:
        if row.households:
            notification_send(
                recipients=town_officials(row.town.pk),
                title=_("【回访任务】%(season)s 采暖季抽中本镇 %(n)s 户，请入户回访")
                % {"season": sample.season, "n": row.sample},
                url=url,
            )


@transaction.atomic
def sample_draw(
    *,
    season: str,
    by: Any,
    confidence: Decimal | None = None,
    margin: Decimal | None = None,
    seed: int | None = None,
    town: Town | None = None,
) -> VisitSample:
    """Draw and record the visits: a sample of every town, or every paid household of `town`.

    The same seed over the same paid households draws the same ones. A season is sampled once
    (and a town visited in full once): the database refuses a second draw, even a racing one.
    """
    require_district(by, "visits.draw_visitsample")
    season = (season or "").strip()
    if errors := draw_errors(season, confidence, margin, seed, town):
        raise ValidationError(errors)
    plan = draw_plan(
        season=season,
        confidence=confidence,
        margin=margin,
        seed=seed,
        town_id=town.pk if town else None,
    )
    if not plan.population:
        raise ValidationError({"season": _("该采暖季（或该镇）还没有已发放补贴的改造户。")})
    sample = VisitSample(
        season=season,
        mode=SampleMode.TOWN_ALL if town else SampleMode.SAMPLE,
        town=town,
        confidence=None if town else Decimal(str(confidence)),
        margin=None if town else Decimal(str(margin)),
        seed=None if town else seed,
        population=plan.population,
        size=plan.sample,
        drawn_by=by,
    )
    try:
        with transaction.atomic():
            sample.save()
    except IntegrityError:
        raise ValidationError(
            {"season": _("该采暖季已经抽过样（或该镇已安排逐户回访），不能重复抽取。")}
        ) from None
    Visit.objects.bulk_create(
        Visit(sample=sample, household_id=h, town=row.town, paid_amount=plan.paid[h])
        for row in plan.towns
        for h in row.households
    )
    _tell_towns(sample, plan)
    return sample
