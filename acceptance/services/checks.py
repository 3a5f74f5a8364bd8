"""The rules an inspection must meet, one small check each; `check_inspection` runs them all
and returns every message at once, so the user sees every problem of the form together."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from acceptance import queries
from acceptance.checklists import checklist_for, item_label
from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from acceptance.services.attachments import attachment_errors
from acceptance.services.common import check_past_date, day
from tasks.models import Household, HouseholdStatus
from tasks.models.ledger import HOUSEHOLD_FLOW
from tasks.plans.queries import approved_plan_town_ids

if TYPE_CHECKING:
    from acceptance.services.inspections import Inspection


@dataclass(frozen=True)
class InspectorData:
    name: str
    organisation: str = ""
    is_contractor: bool = False


def _items(codes: Sequence[str]) -> str:
    return "、".join(item_label(c) for c in codes)


def _check_choices(inspection: "Inspection") -> list[str]:
    errors = []
    if inspection.kind not in AcceptanceKind.values:
        errors.append(_("验收类型无效。"))
    if inspection.result not in AcceptanceResult.values:
        errors.append(_("验收结果无效。"))
    return errors


@dataclass(frozen=True)
class Facts:
    """What the checks read from the database, read once for a whole batch of households:
    the towns with an approved plan (by programme id) and each household's valid records."""

    approved_towns: dict[int, set[int]]
    records: dict[int, list[Acceptance]]

    @classmethod
    def read(cls, households: Sequence[Household]) -> "Facts":
        programmes = {h.programme_id: h.programme for h in households}
        return cls(
            {pk: approved_plan_town_ids(p) for pk, p in programmes.items()},
            queries.valid_records_by_household([h.pk for h in households]),
        )


def _check_household(household: Household, facts: Facts) -> list[str]:
    """Built (the flow may "accept" it), in a town with an approved plan, with a contractor."""
    errors = []
    if household.status == HouseholdStatus.ACCEPTED:
        errors.append(_("该户已通过调试验收，无需再验收。"))
    elif not HOUSEHOLD_FLOW.can(household, "accept"):
        errors.append(
            _("该户尚未完工（当前状态：%(status)s），不能验收。")
            % {"status": household.get_status_display()}
        )
    if household.town_id not in facts.approved_towns[household.programme_id]:
        errors.append(
            _("%(town)s的实施方案尚未核准，不能组织验收。") % {"town": household.town.name}
        )
    if household.contractor_id is None:
        errors.append(_("该户未确定实施单位，不能验收。"))
    return errors


def _check_reinspection(latest: Acceptance, kind: str, date: datetime.date | None) -> list[str]:
    """After a failure: a rectification, then the same kind again, not dated before it."""
    rectification = latest.rectification_or_none
    if kind != latest.kind:
        return [
            _("该户%(kind)s未通过，正在整改，须先进行%(kind)s复验。")
            % {"kind": latest.get_kind_display()}
        ]
    if rectification is None:
        return [_("该户正在整改，请先登记整改情况再复验。")]
    if date and date < rectification.date:
        return [_("复验日期不能早于整改完成日期（%(date)s）。") % {"date": day(rectification.date)}]
    return []


def _check_order(
    household: Household, kind: str, date: datetime.date | None, facts: Facts
) -> list[str]:
    """Completion first, then commissioning; a failure needs rectification first."""
    records = facts.records[household.pk]
    errors = []
    if records and not records[-1].passed:
        errors += _check_reinspection(records[-1], kind, date)
    completion = next(
        (r for r in records if r.kind == AcceptanceKind.COMPLETION and r.passed), None
    )
    if kind == AcceptanceKind.COMPLETION and completion is not None:
        errors.append(_("该户已通过竣工验收。"))
    if kind == AcceptanceKind.COMMISSIONING:
        if completion is None:
            errors.append(_("须先通过竣工验收，才能进行调试验收。"))
        elif date and date < completion.date:
            errors.append(
                _("调试验收日期不能早于竣工验收日期（%(date)s）。") % {"date": day(completion.date)}
            )
    return errors


def _clean_member(raw: Any, contractor_name: str) -> tuple[list[str], InspectorData | None]:
    """One team row: (messages, the cleaned member, or None for an empty or unusable row)."""
    item = raw if isinstance(raw, InspectorData) else InspectorData(**raw)
    name = (item.name or "").strip()
    organisation = (item.organisation or "").strip()
    if not name and not organisation:
        return [], None
    if not name:
        return [_("请填写单位“%(org)s”验收人员的姓名。") % {"org": organisation}], None
    errors = []
    if item.is_contractor:
        organisation = organisation or contractor_name
        if contractor_name and organisation != contractor_name:
            errors.append(
                _("施工单位验收人员须来自该户的实施单位（%(contractor)s）。")
                % {"contractor": contractor_name}
            )
    elif not organisation:
        errors.append(_("请填写验收人员“%(name)s”的单位。") % {"name": name})
    return errors, InspectorData(name, organisation, bool(item.is_contractor))


def _clean_team(
    household: Household, inspectors: Sequence[InspectorData | Mapping[str, Any]]
) -> tuple[list[str], list[InspectorData]]:
    """At least two, the contractor's person among them, and someone from the town side."""
    contractor_name = household.contractor.name if household.contractor_id else ""
    errors: list[str] = []
    team: list[InspectorData] = []
    for raw in inspectors:
        messages, member = _clean_member(raw, contractor_name)
        errors += messages
        if member is not None:
            team.append(member)
    if len(team) < 2:
        errors.append(_("验收人员至少两人。"))
    if not any(m.is_contractor for m in team):
        errors.append(_("验收人员中须有施工单位人员。"))
    if team and all(m.is_contractor for m in team):
        errors.append(_("验收人员中须有镇（村）一方人员。"))
    return errors, team


def _check_checklist(route: str, checklist: Mapping[str, bool], result: str) -> list[str]:
    """Every item of the household's route answered, none foreign; a pass fails no item."""
    wanted = [item.code for item in checklist_for(route)]
    missing = [code for code in wanted if code not in checklist]
    unknown = [code for code in checklist if code not in wanted]
    failed = [code for code in wanted if code in checklist and not checklist[code]]
    errors = []
    if missing:
        errors.append(_("检查项目未填写：%(items)s。") % {"items": _items(missing)})
    if unknown:
        errors.append(_("检查项目不适用于该户的改造方式：%(items)s。") % {"items": _items(unknown)})
    if result == AcceptanceResult.PASS and failed:
        errors.append(
            _("检查项目有不合格（%(items)s），不能判定为通过。") % {"items": _items(failed)}
        )
    return errors


def _check_failure(inspection: "Inspection") -> list[str]:
    """A failure names what is wrong and by when it is put right (not before the inspection)."""
    if inspection.result != AcceptanceResult.FAIL:
        return []
    errors = []
    if not (inspection.defects or "").strip():
        errors.append(_("不通过时须填写存在问题。"))
    deadline = inspection.rectification_deadline
    if deadline is None:
        errors.append(_("不通过时须填写整改期限。"))
    elif inspection.date and deadline < inspection.date:
        errors.append(_("整改期限不能早于验收日期。"))
    return errors


def check_inspection(
    household: Household,
    inspection: "Inspection",
    inspectors: Sequence[InspectorData | Mapping[str, Any]],
    facts: Facts | None = None,
) -> tuple[list[str], list[InspectorData]]:
    """Every rule an inspection must meet; returns (messages, the cleaned team).

    A batch passes the `Facts` it read once for all its households.
    """
    facts = facts or Facts.read([household])
    errors = _check_choices(inspection)
    errors += _check_household(household, facts)
    errors += _check_order(household, inspection.kind, inspection.date, facts)
    errors += check_past_date(inspection.date, _("请填写验收日期。"), _("验收日期不能晚于今天。"))
    team_errors, team = _clean_team(household, inspectors)
    errors += team_errors
    errors += _check_checklist(household.route, inspection.checklist, inspection.result)
    errors += _check_failure(inspection)
    errors += attachment_errors(inspection.attachments)
    return errors, team
