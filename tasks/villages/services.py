"""Village actions: load the statistical committees, add, rename and merge; history on each."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from tasks.models import Household, Town, TownPlanLine, Village
from tasks.services import LoadResult

VILLAGE_DATA = Path(settings.BASE_DIR) / "fixtures" / "villages_zichuan.json"


class VillageReason(models.TextChoices):
    """Why a village's (or a moved household's) history row was written; stored untranslated."""

    LOAD = "载入统计用区划代码", gettext_lazy("载入统计用区划代码")
    ADD = "添加村（居）", gettext_lazy("添加村（居）")
    RENAME = "村（居）更名", gettext_lazy("村（居）更名")
    MERGE = "合并村（居）", gettext_lazy("合并村（居）")


@transaction.atomic
def villages_load(*, path: Path = VILLAGE_DATA) -> LoadResult:
    """Load the towns' division codes and their committees from the fixture; idempotent.

    A village is keyed on its code, so an official's rename survives a second run. A village
    the town added by the same name before its code was known gets the code. Towns missing
    from the database (the programme is not loaded yet) are skipped.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    result = LoadResult()
    towns = {t.code: t for t in Town.objects.filter(code__in=[t["code"] for t in data["towns"]])}
    known = set(Village.objects.exclude(code="").values_list("code", flat=True))
    for entry in data["towns"]:
        town = towns.get(entry["code"])
        if town is None:
            continue
        if entry["division_code"] and not town.division_code:
            town.division_code = entry["division_code"]
            town.full_clean()
            town.save(update_fields=["division_code"])
            result.created.append(f"division code {town.code}")
        for item in entry["villages"]:
            if item["code"] in known:
                result.unchanged += 1
                continue
            village = Village.objects.filter(town=town, name=item["name"]).first()
            if village is not None and village.code:
                # The name is taken by another coded village: leave both as they are.
                result.unchanged += 1
                continue
            village = village or Village(town=town, name=item["name"])
            village.code = item["code"]
            village._change_reason = VillageReason.LOAD.value
            village.full_clean()
            village.save()
            result.created.append(f"village {item['code']}")
    return result


def _check_may_edit(by: Any, town: Town, perm: str) -> None:
    # Villages are the town's own list: its officials keep it (administrators may as well).
    if not by.has_perm(perm) or (by.town_id and by.town_id != town.pk):
        raise PermissionDenied(_("只有本镇（街道）工作人员可以维护本镇的村（居）。"))


def _save(village: Village, *, by: Any, reason: VillageReason) -> Village:
    village.full_clean()
    village._history_user = by
    village._change_reason = reason.value
    village.save()
    return village


@transaction.atomic
def village_add(*, by: Any, town: Town, name: str, code: str = "") -> Village:
    """A village the town's officials add themselves (code blank when none is published)."""
    _check_may_edit(by, town, "tasks.add_village")
    return _save(
        Village(town=town, name=name.strip(), code=code.strip()), by=by, reason=VillageReason.ADD
    )


@transaction.atomic
def village_rename(*, by: Any, village: Village, name: str) -> Village:
    """A new name; the old one stays in the village's history. The code does not change."""
    _check_may_edit(by, village.town, "tasks.change_village")
    # Only the village's row: the town row stays free for everyone else.
    village = (
        Village.objects.select_for_update(of=("self",)).select_related("town").get(pk=village.pk)
    )
    name = name.strip()
    if name == village.name:
        raise ValidationError({"name": _("新名称与原名称相同。")})
    village.name = name
    return _save(village, by=by, reason=VillageReason.RENAME)


@transaction.atomic
def village_merge(*, by: Any, source: Village, target: Village) -> Village:
    """Move `source`'s households and plan lines to `target`, then delete `source`.

    Refused, with nothing changed, when the villages are of different towns or when a plan
    would end up with two lines for the same village and route. Every moved row keeps a
    history row. Lock order: both villages (pk order), then the households (the one household
    lock), then the plan lines.
    """
    _check_may_edit(by, source.town, "tasks.change_village")
    if source.pk == target.pk:
        raise ValidationError({"target": _("不能把村（居）并入它自己。")})
    if source.town_id != target.town_id:
        raise ValidationError({"target": _("只能并入同一镇（街道）的村（居）。")})
    both = Village.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    locked = {v.pk: v for v in both.order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    households = list(Household.objects.filter(village=source).locked())
    lines = list(TownPlanLine.objects.select_for_update().filter(village=source).order_by("pk"))
    clashes = TownPlanLine.objects.filter(
        village=target, plan_id__in=[line.plan_id for line in lines]
    ).values_list("plan_id", "route")
    clash = {(line.plan_id, line.route) for line in lines} & set(clashes)
    if clash:
        raise ValidationError(
            {
                "target": _(
                    "实施方案中已有“%(target)s”的同一改造方式明细行，合并后会重复，请先在实施方案中合并这些行。"
                )
                % {"target": target.name}
            }
        )
    for row in [*households, *lines]:
        row.village = target
    reason = VillageReason.MERGE.value
    bulk_update_with_history(
        households, Household, ["village"], default_user=by, default_change_reason=reason
    )
    bulk_update_with_history(
        lines, TownPlanLine, ["village"], default_user=by, default_change_reason=reason
    )
    if source.code and not target.code:
        # The surviving village takes over the published code of the one merged into it.
        target.code, source.code = source.code, ""
        Village.objects.filter(pk=source.pk).update(code="")
        _save(target, by=by, reason=VillageReason.MERGE)
    source._history_user = by
    source._change_reason = reason
    source.delete()
    return target
