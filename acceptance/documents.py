"""Printable acceptance documents: a household's certificate (竣工验收单 / 调试验收单) of one
inspection record, and a village's acceptance summary; PDF rendered in the request."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from acceptance.models import Acceptance, AcceptanceKind
from tasks.collation import Pinyin
from tasks.ledger.services import id_number_views_record
from tasks.models import Household, IdNumberView, Programme, Village
from tasks.plans.documents import pdf_response
from tasks.validators import mask_id_number


def certificate(record: Acceptance, *, by: Any) -> HttpResponse:
    """The record as a signed form; the full ID number only for who may see it (logged)."""
    household = record.household
    full_id = by.has_perm("tasks.view_full_id_number")
    if full_id:
        id_number_views_record(households=[household], by=by, context=IdNumberView.Context.DOCUMENT)
    title = _("%(kind)s单") % {"kind": record.get_kind_display()}
    context = {
        "title": title,
        "record": record,
        "household": household,
        "id_display": household.id_number if full_id else mask_id_number(household.id_number),
        "inspectors": list(record.inspectors.all()),
        "checklist": list(record.checklist.all()),
        "reference": _("验收记录编号 %(pk)d") % {"pk": record.pk},
    }
    name = f"{title}-{household.village.name}-{household.head_name}-{record.date:%Y%m%d}.pdf"
    return pdf_response("documents/certificate.html", context, name)


def _summary_rows(households: list[Household]) -> list[dict[str, Any]]:
    """Per household: its latest valid record of each kind (date and result)."""
    latest: dict[tuple[int, str], Acceptance] = {}
    records = Acceptance.objects.valid().filter(household__in=households)
    for r in records.order_by("date", "created_at", "id"):
        latest[(r.household_id, r.kind)] = r
    return [
        {
            "household": h,
            "completion": latest.get((h.pk, AcceptanceKind.COMPLETION)),
            "commissioning": latest.get((h.pk, AcceptanceKind.COMMISSIONING)),
            "accepted": h.status == "accepted",
        }
        for h in households
    ]


def village_summary(village: Village, programme: Programme) -> HttpResponse:
    households = list(
        Household.objects.filter(programme=programme, village=village)
        .select_related("contractor")
        .order_by(Pinyin("head_name"), "id")
    )
    rows = _summary_rows(households)
    title = _("%(village)s清洁取暖改造验收汇总表") % {"village": village.name}
    context = {
        "title": title,
        "village": village,
        "programme": programme,
        "rows": rows,
        "total": len(rows),
        "accepted": sum(1 for r in rows if r["accepted"]),
        "reference": f"{village.town.name}·{village.name}",
    }
    name = f"{title}-{programme.year}.pdf"
    return pdf_response("documents/village_summary.html", context, name)
