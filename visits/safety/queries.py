"""Read side of safety: findings and drills by town (the overview page and the PDF section),
filtered lists, overdue findings for the reminder, and how to reach a household's two safety
officers (双安全员) of its plan line."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from tasks.models import Household, PlanStatus, Town, TownPlanLine
from visits.models import (
    Drill,
    EmergencyPlan,
    FindingState,
    HazardFinding,
    HazardInspection,
    Severity,
)

# --- by town ---------------------------------------------------------------------------------


@dataclass
class TownSafety:
    town_id: int
    code: str
    name: str
    open: int = 0
    overdue: int = 0
    rectified: int = 0
    verified: int = 0
    drills: int = 0
    fire_service_drills: int = 0
    last_drill: datetime.date | None = None
    plans: int = 0

    @property
    def total(self) -> int:
        return self.open + self.rectified + self.verified


def safety_by_town(
    town_ids: list[int] | None = None, today: datetime.date | None = None
) -> list[TownSafety]:
    """One row per town (all, or those named), in the district's order: four grouped queries."""
    today = today or timezone.localdate()
    towns = Town.objects.order_by("order", "code")
    if town_ids is not None:
        towns = towns.filter(pk__in=town_ids)
    rows = {t.pk: TownSafety(t.pk, t.code, t.name) for t in towns}
    findings = (
        HazardFinding.objects.live()
        .filter(inspection__town_id__in=rows)
        .values("inspection__town_id")
        .annotate(
            open=Count("id", filter=Q(state=FindingState.OPEN)),
            overdue=Count("id", filter=Q(state=FindingState.OPEN, deadline__lt=today)),
            rectified=Count("id", filter=Q(state=FindingState.RECTIFIED)),
            verified=Count("id", filter=Q(state=FindingState.VERIFIED)),
        )
    )
    for f in findings:
        row = rows[f["inspection__town_id"]]
        row.open, row.overdue = f["open"], f["overdue"]
        row.rectified, row.verified = f["rectified"], f["verified"]
    drills = (
        Drill.objects.filter(town_id__in=rows, voided_at__isnull=True)
        .values("town_id")
        .annotate(
            n=Count("id"), fire=Count("id", filter=Q(with_fire_service=True)), last=Max("held_on")
        )
    )
    for d in drills:
        row = rows[d["town_id"]]
        row.drills, row.fire_service_drills, row.last_drill = d["n"], d["fire"], d["last"]
    plans = (
        EmergencyPlan.objects.filter(town_id__in=rows, voided_at__isnull=True)
        .values("town_id")
        .annotate(n=Count("id"))
    )
    for p in plans:
        rows[p["town_id"]].plans = p["n"]
    return list(rows.values())


def safety_total(rows: list[TownSafety]) -> TownSafety:
    total = TownSafety(0, "", str(gettext_lazy("合计")))
    for name in ("open", "overdue", "rectified", "verified", "drills", "fire_service_drills"):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    total.plans = sum(r.plans for r in rows)
    return total


def safety_for_user(user: Any, today: datetime.date | None = None) -> list[TownSafety]:
    """The overview's rows: every town for the district, the official's own town otherwise."""
    town_ids = list(Town.objects.for_user(user).values_list("pk", flat=True))
    return safety_by_town(town_ids, today)


def report_rows(programme: Any, town_id: int | None = None) -> list[TownSafety]:
    """The PDF reports' safety section (registered in `tasks.progress.sections`)."""
    return safety_by_town(None if town_id is None else [town_id])


# --- lists -----------------------------------------------------------------------------------

FINDING_FILTERS = {
    "open": Q(state=FindingState.OPEN),
    "rectified": Q(state=FindingState.RECTIFIED),
    "verified": Q(state=FindingState.VERIFIED),
}


def inspections_for_user(
    user: Any,
    *,
    town_id: int | None = None,
    state: str = "",
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet[HazardInspection]:
    """Inspections the user may see, newest first, each with its finding counts; those voided
    only when asked for (`state="voided"`)."""
    today = today or timezone.localdate()
    qs = HazardInspection.objects.for_user(user).select_related("town", "village", "household")
    qs = qs.filter(voided_at__isnull=state != "voided")
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    # A subquery, not a join: a join here would also narrow the counts annotated below.
    if state == "overdue":
        qs = qs.filter(pk__in=HazardFinding.objects.overdue(today).values("inspection_id"))
    elif state in FINDING_FILTERS:
        matching = HazardFinding.objects.filter(FINDING_FILTERS[state])
        qs = qs.filter(pk__in=matching.values("inspection_id"))
    if q := (q or "").strip()[:50]:
        qs = qs.filter(Q(village__name__contains=q) | Q(household__head_name__contains=q))
    return qs.annotate(
        finding_count=Count("findings", distinct=True),
        open_count=Count("findings", filter=Q(findings__state=FindingState.OPEN), distinct=True),
        overdue_count=Count(
            "findings",
            filter=Q(findings__state=FindingState.OPEN, findings__deadline__lt=today),
            distinct=True,
        ),
    ).order_by("-inspected_on", "-id")


def inspection_findings(inspection: HazardInspection) -> list[HazardFinding]:
    return list(
        inspection.findings.select_related("rectified_by", "verified_by").order_by("deadline", "id")
    )


def inspection_history(inspection: HazardInspection) -> list[dict[str, Any]]:
    """Every step of the inspection and its findings: who, when, what — oldest first."""
    from zichuan_heating.history import reason_label

    rows = [
        {
            "when": h.history_date,
            "who": h.history_user,
            "reason": reason_label(h.history_change_reason),
            "what": "",
        }
        for h in inspection.history.select_related("history_user")
    ]
    finding_history = HazardFinding.history.filter(inspection_id=inspection.pk).select_related(
        "history_user"
    )
    for h in finding_history:
        rows.append(
            {
                "when": h.history_date,
                "who": h.history_user,
                "reason": reason_label(h.history_change_reason),
                "what": f"{h.get_severity_display()}：{h.description[:40]}"
                f" → {h.get_state_display()}",
            }
        )
    return sorted(rows, key=lambda r: r["when"])


def plans_for_user(user: Any, town_id: int | None = None) -> QuerySet[EmergencyPlan]:
    qs = EmergencyPlan.objects.for_user(user).select_related("town", "uploaded_by", "voided_by")
    return qs.filter(town_id=town_id) if town_id is not None else qs


def drills_for_user(user: Any, town_id: int | None = None) -> QuerySet[Drill]:
    qs = Drill.objects.for_user(user).select_related("town", "plan", "recorded_by", "voided_by")
    return qs.filter(town_id=town_id) if town_id is not None else qs


def household_findings(household: Household) -> list[HazardFinding]:
    """The household's own findings not yet verified (the household page shows them)."""
    return list(
        HazardFinding.objects.live()
        .filter(inspection__household=household)
        .exclude(state=FindingState.VERIFIED)
        .select_related("inspection")
        .order_by("deadline", "id")
    )


# --- the reminder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueFinding:
    """What the reminder says of one overdue finding (plain values: it may list thousands)."""

    town_id: int
    town_code: str
    town_name: str
    village: str
    household: str | None
    description: str
    severity: str
    deadline: datetime.date

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)


def overdue_findings_by_town(today: datetime.date) -> dict[int, list[OverdueFinding]]:
    """Open findings past their deadline on `today`, per town in the district's order: one
    query returning plain values (no model instances)."""
    out: dict[int, list[OverdueFinding]] = {}
    rows = (
        HazardFinding.objects.overdue(today)
        .order_by("inspection__town__order", "inspection__town_id", "deadline", "id")
        .values_list(
            "inspection__town_id",
            "inspection__town__code",
            "inspection__town__name",
            "inspection__village__name",
            "inspection__household__head_name",
            "description",
            "severity",
            "deadline",
        )
    )
    for row in rows:
        out.setdefault(row[0], []).append(OverdueFinding(*row))
    return out


# --- the household's safety officers -----------------------------------------------------------


@dataclass
class SafetyOfficer:
    role: str | Promise
    name: str
    phone: str

    @property
    def tel(self) -> str:
        """The phone as a tel: URI (digits and a leading + only)."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}" if digits else ""


@dataclass
class HouseholdOfficers:
    line: TownPlanLine | None
    officers: list[SafetyOfficer] = field(default_factory=list)

    @property
    def reachable(self) -> int:
        """How many officers can be called (named, with a phone)."""
        return sum(1 for o in self.officers if o.tel)

    @property
    def complete(self) -> bool:
        """Both officers named, each with a phone: what the plan asks of every project."""
        return len(self.officers) >= 2 and all(o.tel for o in self.officers)


def household_safety_officers(household: Household) -> HouseholdOfficers:
    """The line of the town's plan in force for the household's village and route, and its
    safety officers (the contractor's and the village's) who are named on it."""
    line = (
        TownPlanLine.objects.filter(
            plan__programme_id=household.programme_id,
            plan__town_id=household.town_id,
            plan__status=PlanStatus.APPROVED,
            village_id=household.village_id,
            route=household.route,
        )
        .select_related("contractor", "plan")
        .first()
    )
    if line is None:
        return HouseholdOfficers(None)
    pairs = (
        (gettext_lazy("企业安全员"), line.contractor_safety_officer, line.contractor_safety_phone),
        (gettext_lazy("村级安全员"), line.village_safety_officer, line.village_safety_phone),
    )
    officers = [
        SafetyOfficer(role, name.strip(), (phone or "").strip())
        for role, name, phone in pairs
        if (name or "").strip()
    ]
    return HouseholdOfficers(line, officers)
