"""The demo's verification visits: the last paid season drawn (seed 7) by the district office,
a third of each town's households visited in January, one household saying it got less than
was paid (its case resolved) and one with the coal stove back (its case still open)."""

import datetime
from decimal import Decimal

from visits.models import Visit, VisitSample
from visits.services import Findings, case_resolve, case_start, sample_draw, visit_record
from zichuan_heating.demo.common import Cast, Progress, at, backdate

SEED = 7
#: (town code, nth visit of that town): what the household said differently.
LESS_PAID = ("hongshan", 2)
STOVE_BACK = ("kunlun", 4)


def _findings(visit: Visit, n: int, town_code: str) -> Findings:
    less = (town_code, n) == LESS_PAID
    return Findings(
        heating_works=True,
        alarm_present=True,
        alarm_working=True,
        stove_gone=(town_code, n) != STOVE_BACK,
        subsidy_received=True,
        amount_confirmed=visit.paid_amount - (Decimal("400.00") if less else 0),
        indoor_temperature=Decimal("17.5") + Decimal(visit.household_id % 5),
        satisfaction=3 if less else 4 + visit.household_id % 2,
        remarks="",
    )


def visits_make(cast: Cast, progress: Progress, season: str) -> None:
    drawn_on = datetime.date(int(season[5:]), 1, 5)
    sample = sample_draw(
        season=season,
        by=cast.district,
        confidence=Decimal("0.95"),
        margin=Decimal("0.05"),
        seed=SEED,
    )
    backdate(VisitSample.objects.filter(pk=sample.pk), drawn_at=at(drawn_on))
    opened = []
    for town in cast.towns:
        visits = list(sample.visits.filter(town=town).order_by("household_id"))
        for n, visit in enumerate(visits[: max(1, len(visits) // 3)]):
            day = drawn_on + datetime.timedelta(days=3 + n % 20)
            _visit, cases = visit_record(
                visit=visit,
                by=cast.officials[town.code],
                findings=_findings(visit, n, town.code),
                now=at(day, 15),
            )
            opened.extend(cases)
    for case in opened:
        if case.category == "subsidy":
            official = cast.officials[case.town.code]
            case_start(case=case, by=official, note="已联系户主和银行核实。")
            case_resolve(case=case, by=official, resolution="银行代扣手续费误差，已补足差额。")
            backdate(case.events.filter(action__in=["开始办理", "办结"]), at=case.deadline)
    progress(
        f"  visits: {season} sample of {sample.size}, "
        f"{sample.visits.filter(status='done').count()} visited, {len(opened)} cases"
    )
