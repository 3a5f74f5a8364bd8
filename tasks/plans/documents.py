"""Printable documents of plans and supervision: the approved town plan (实施方案) and a
supervision notice with its number, rendered to PDF in the request (one or two pages each)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tasks.models import SupervisionNotice, TownPlan, TownPlanLine
from tasks.plans import checks


def pdf_bytes(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {"printed_at": timezone.localtime(), **context})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(template: str, context: dict[str, Any], filename: str) -> HttpResponse:
    """A PDF shown in the browser; never cached anywhere (the documents name people)."""
    response = HttpResponse(pdf_bytes(template, context), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def plan_document(plan: TownPlan) -> HttpResponse:
    lines = list(TownPlanLine.objects.filter(plan=plan).select_related("village", "contractor"))
    title = _("%(town)s%(year)d年冬季清洁取暖实施方案") % {
        "town": plan.town.name,
        "year": plan.programme.year,
    }
    context = {
        "title": title,
        "page_size": "A4 landscape",  # nine columns of lines
        "plan": plan,
        "lines": lines,
        "quota": checks.town_quota(plan.programme_id, plan.town_id),
        "total": sum(line.households for line in lines),
    }
    return pdf_response("documents/plan.html", context, f"{title}-{plan.revision}.pdf")


def notice_document(notice: SupervisionNotice) -> HttpResponse:
    number = notice.document_number
    context = {"title": _("督办通知") + number, "notice": notice}
    name = _("督办通知-%(town)s-%(number)s.pdf") % {
        "town": notice.town.name,
        "number": number or notice.pk,
    }
    return pdf_response("documents/notice.html", context, name)
