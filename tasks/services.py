"""Business actions of the 建设任务 app. Each is keyword-only, typed and runs in one transaction."""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Programme, Quota, Town

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
    for t in towns:
        town, created = Town.objects.get_or_create(
            code=t["code"], defaults={"name": t["name"], "kind": t["kind"], "order": t["order"]}
        )
        _count(result, created, f"town {town.code}")
        _, created = Quota.objects.get_or_create(
            programme=programme, town=town, defaults={"households": t["quota"]}
        )
        _count(result, created, f"quota {programme.year}/{town.code}")
    return result


def _count(result: LoadResult, created: bool, label: str) -> None:
    if created:
        result.created.append(label)
    else:
        result.unchanged += 1


def active_programme() -> Programme | None:
    return Programme.objects.filter(is_active=True).first() or Programme.objects.first()


@transaction.atomic
def report_job_request(*, user, programme: Programme, town: Town | None = None):
    """Queue a progress report: the district report (town None) or one town's.

    Town officials may ask only for their own town; the job is enqueued after commit, so the
    worker always finds the row.
    """
    from django.core.exceptions import PermissionDenied

    from .jobs import render_report_job
    from .models import ReportJob, ReportKind

    if not user.sees_all_towns and (town is None or town.pk != user.town_id):
        raise PermissionDenied
    job = ReportJob.objects.create(
        kind=ReportKind.TOWN if town else ReportKind.DISTRICT,
        programme=programme,
        town=town,
        requested_by=user,
    )
    transaction.on_commit(lambda: render_report_job.delay(job.pk))
    return job
