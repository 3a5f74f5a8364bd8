"""Business actions of the 建设任务 app. Each is keyword-only, typed and runs in one transaction."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from tasks.models import Programme, Quota, Town

PROGRAMME_DATA = Path(settings.BASE_DIR) / "fixtures" / "programme_2021.json"


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    unchanged: int = 0


@transaction.atomic
def programme_data_load(*, path: Path = PROGRAMME_DATA) -> LoadResult:
    """Load a programme, its towns and quotas from the task table; idempotent.

    Existing rows are left as they are (an administrator may have corrected them), so running
    it twice changes nothing.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    towns = data["towns"]
    if sum(t["quota"] for t in towns) != data["total"]:
        raise ValidationError(f"{path.name}: 各镇任务之和与合计 {data['total']} 不一致")

    result = LoadResult()
    p = data["programme"]
    programme, created = Programme.objects.get_or_create(
        year=p["year"],
        defaults={
            "name": p["name"],
            "plan_due": datetime.date.fromisoformat(p["plan_due"]),
            "construction_due": datetime.date.fromisoformat(p["construction_due"]),
            "acceptance_due": datetime.date.fromisoformat(p["acceptance_due"]),
            "first_heating_season": p["first_heating_season"],
            "operating_seasons": p["operating_seasons"],
            "is_active": not Programme.objects.filter(is_active=True).exists(),
        },
    )
    _count(result, created, f"programme {programme.year}")
    # What exists is read at once and the rest inserted in one statement per table: nearly
    # every test loads the table, so this is a handful of queries rather than four per row.
    codes = [t["code"] for t in towns]
    found = {town.code: town for town in Town.objects.filter(code__in=codes)}
    new_towns = [
        Town(code=t["code"], name=t["name"], kind=t["kind"], order=t["order"])
        for t in towns
        if t["code"] not in found
    ]
    Town.objects.bulk_create(new_towns)
    have_quota = set(
        Quota.objects.filter(programme=programme, town__code__in=codes).values_list(
            "town__code", flat=True
        )
    )
    every = {**found, **{town.code: town for town in new_towns}}
    Quota.objects.bulk_create(
        Quota(programme=programme, town=every[t["code"]], households=t["quota"])
        for t in towns
        if t["code"] not in have_quota
    )
    for t in towns:
        _count(result, t["code"] not in found, f"town {t['code']}")
        _count(result, t["code"] not in have_quota, f"quota {programme.year}/{t['code']}")
    return result


def _count(result: LoadResult, created: bool, label: str) -> None:
    if created:
        result.created.append(label)
    else:
        result.unchanged += 1


CATALOGUE_EXAMPLE = Path(settings.BASE_DIR) / "fixtures" / "catalogue_example.json"


@transaction.atomic
def catalogue_load(*, path: Path = CATALOGUE_EXAMPLE) -> LoadResult:
    """Load the example equipment catalogue and contractors (示例数据); idempotent.

    Rows are keyed on brand + model and on name; existing rows are left as they are, so an
    administrator's corrections survive a second bootstrap.
    """
    from tasks.models import Contractor, EquipmentModel

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    result = LoadResult()
    for item in data.get("equipment", []):
        defaults = {
            "kind": item["kind"],
            "route": item["route"],
            "tender_batch": item.get("tender_batch", ""),
            "price_cap": Decimal(item["price_cap"]) if item.get("price_cap") else None,
            "is_example": True,
        }
        equipment = EquipmentModel(brand=item["brand"], model=item["model"], **defaults)
        equipment.full_clean(validate_unique=False, validate_constraints=False)
        _, created = EquipmentModel.objects.get_or_create(
            brand=item["brand"], model=item["model"], defaults=defaults
        )
        _count(result, created, f"equipment {item['brand']} {item['model']}")
    for item in data.get("contractors", []):
        defaults = {
            "kind": item["kind"],
            "contact_person": item.get("contact_person", ""),
            "contact_phone": item.get("contact_phone", ""),
            "is_example": True,
        }
        Contractor(name=item["name"], **defaults).full_clean(validate_unique=False)
        _, created = Contractor.objects.get_or_create(name=item["name"], defaults=defaults)
        _count(result, created, f"contractor {item['name']}")
    return result
