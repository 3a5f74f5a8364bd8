"""Pages of acceptance: the awaiting list, a household's acceptance page and its actions,
village batch acceptance, attachment downloads and the register export. Thin: parse, call a
service or a query, render. Every object is fetched through the town scoping helper.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acceptance import documents, exports, queries, services
from acceptance.awaiting_rows import awaiting_acceptance_rows
from acceptance.forms import (
    BatchRowFormSet,
    BatchStartForm,
    BatchTeamForm,
    InspectionForm,
    RectificationForm,
    RevokeForm,
    StoveRemovalForm,
    inspector_formset,
    inspectors_from,
)
from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult, Attachment
from acceptance.queries import AcceptanceState
from tasks.ledger.services import id_number_export_record
from tasks.models import Household, IdNumberView, Town, Village
from tasks.queries import active_programme_or_404
from tasks.validators import mask_id_number
from zichuan_heating.decorators import role_required
from zichuan_heating.downloads import xlsx_response
from zichuan_heating.feedback import attempt
from zichuan_heating.scoping import check_town_allowed, get_for_user_or_404
from zichuan_heating.uploads import attachment_response

log = logging.getLogger("zichuan.acceptance")


# ID numbers are always masked here: a full one is shown only on the ledger's household
# page, where each view is logged (IdNumberView).


def _add_errors(form: Any, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@require_GET
@role_required("acceptance.view_acceptance")
def acceptance_list(request: HttpRequest) -> HttpResponse:
    """Built households awaiting acceptance or in rectification, filtered by state and place."""
    programme = active_programme_or_404()
    user = request.user
    state = request.GET.get("state", "")
    town = None
    if request.GET.get("town"):
        town = get_for_user_or_404(Town, user, code=request.GET["town"])
    village_id = request.GET.get("village") or None
    if village_id:
        village = get_for_user_or_404(Village, user, pk=village_id if village_id.isdigit() else 0)
        village_id = village.pk
    rows = awaiting_acceptance_rows(
        user, programme, state=state, town_id=town.pk if town else None, village_id=village_id
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for h in page:
        h.acceptance_state = queries.state_of(h)
        h.acceptance_state_label = AcceptanceState.LABELS[h.acceptance_state]
        h.id_display = mask_id_number(h.id_number)
    return render(
        request,
        "acceptance/list.html",
        {
            "programme": programme,
            "page": page,
            "state": state,
            "states": [(s, AcceptanceState.LABELS[s]) for s in AcceptanceState.OPEN],
            "town": town,
            "towns": Town.objects.for_user(user),
            "register_town": town or getattr(user, "town", None),
        },
    )


def _household_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    records = queries.household_records(household)
    state = queries.acceptance_state(household)
    latest_failed = next((r for r in reversed(records) if not r.revoked), None)
    if latest_failed is not None and latest_failed.passed:
        latest_failed = None
    return {
        "household": household,
        "id_display": mask_id_number(household.id_number),
        "records": records,
        "state": state,
        "state_label": AcceptanceState.LABELS[state],
        "can_inspect": state
        in (
            AcceptanceState.AWAITING_COMPLETION,
            AcceptanceState.AWAITING_COMMISSIONING,
            AcceptanceState.AWAITING_REINSPECTION,
        ),
        "latest_failed": latest_failed,
        "needs_rectification": state == AcceptanceState.RECTIFYING,
        "stove_form": StoveRemovalForm(),
    }


@require_GET
@role_required("acceptance.view_acceptance")
def household_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user_or_404(
        Household.objects.select_related("town", "village", "contractor"), request.user, pk=pk
    )
    return render(request, "acceptance/household.html", _household_context(request, household))


def _recorded(record: Acceptance) -> str:
    return _("已记录%(kind)s：%(result)s。") % {
        "kind": record.get_kind_display(),
        "result": record.get_result_display(),
    }


@require_http_methods(["GET", "POST"])
@role_required("acceptance.add_acceptance")
def acceptance_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user_or_404(
        Household.objects.select_related("town", "village", "contractor"), request.user, pk=pk
    )
    contractor_name = household.contractor.name if household.contractor_id else ""
    state = queries.acceptance_state(household)
    if request.method == "POST":
        form = InspectionForm(request.POST, request.FILES, household=household)
        team = inspector_formset(request.POST, contractor_name)
        if (
            form.is_valid()
            and team.is_valid()
            and attempt(
                request,
                lambda: services.acceptance_record(
                    household=household,
                    kind=form.cleaned_data["kind"],
                    date=form.cleaned_data["date"],
                    inspectors=inspectors_from(team),
                    checklist=form.checklist(),
                    result=form.cleaned_data["result"],
                    defects=form.cleaned_data["defects"],
                    rectification_deadline=form.cleaned_data["rectification_deadline"],
                    by=request.user,
                    attachments=form.cleaned_data["attachments"],
                ),
                _recorded,
                refused=partial(_add_errors, form),
            )
        ):
            return redirect("acceptance:household", pk=household.pk)
    else:
        kind = (
            AcceptanceKind.COMPLETION
            if state == AcceptanceState.AWAITING_COMPLETION
            else AcceptanceKind.COMMISSIONING
        )
        if state == AcceptanceState.AWAITING_REINSPECTION:
            kind = queries.latest_valid_record(household).kind
        form = InspectionForm(household=household, initial={"kind": kind})
        team = inspector_formset(None, contractor_name)
    return render(
        request,
        "acceptance/inspection_form.html",
        {
            "household": household,
            "form": form,
            "team": team,
            "state_label": AcceptanceState.LABELS[state],
        },
    )


def _record_or_404(request: HttpRequest, pk: int) -> Acceptance:
    return get_for_user_or_404(
        Acceptance.objects.select_related("household__village", "household__town"),
        request.user,
        pk=pk,
    )


@require_GET
@role_required("acceptance.view_acceptance")
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection record as its printable form (竣工验收单 / 调试验收单)."""
    record = get_for_user_or_404(
        Acceptance.objects.select_related(
            "household__village",
            "household__town",
            "household__equipment",
            "household__contractor",
        ),
        request.user,
        pk=pk,
    )
    return documents.certificate(record, by=request.user)


@require_GET
@role_required("acceptance.view_acceptance")
def village_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """A village's households and their acceptance, printable."""
    programme = active_programme_or_404()
    village = get_for_user_or_404(Village.objects.select_related("town"), request.user, pk=pk)
    return documents.village_summary(village, programme)


def _record_form_page(
    request: HttpRequest,
    acceptance: Acceptance,
    form: Any,
    call: Callable[[], Any],
    done: str | Callable[[Any], str],
    template: str,
) -> HttpResponse:
    """A form about one inspection record: a valid POST runs `call` and goes back to the
    household's page; otherwise the form again, with the service's refusal above it."""
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(request, call, done, refused=partial(_add_errors, form))
    ):
        return redirect("acceptance:household", pk=acceptance.household_id)
    return render(
        request,
        template,
        {"acceptance": acceptance, "household": acceptance.household, "form": form},
    )


@require_http_methods(["GET", "POST"])
@role_required("acceptance.add_rectification")
def rectification_new(request: HttpRequest, pk: int) -> HttpResponse:
    acceptance = _record_or_404(request, pk)
    form = RectificationForm(request.POST or None, request.FILES or None)
    return _record_form_page(
        request,
        acceptance,
        form,
        # The form's fields are the service's: description, date, attachments.
        lambda: services.rectification_record(
            acceptance=acceptance, by=request.user, **form.cleaned_data
        ),
        _("已登记整改情况，可以复验。"),
        "acceptance/rectification_form.html",
    )


@require_http_methods(["GET", "POST"])
@role_required("acceptance.revoke_acceptance")
def acceptance_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page with the reason; the POST revokes."""
    acceptance = _record_or_404(request, pk)
    form = RevokeForm(request.POST or None)
    return _record_form_page(
        request,
        acceptance,
        form,
        lambda: services.acceptance_revoke(
            acceptance=acceptance, by=request.user, reason=form.cleaned_data["reason"]
        ),
        lambda revoked: _("已撤销 %(n)d 条验收记录。") % {"n": len(revoked)},
        "acceptance/revoke_confirm.html",
    )


@require_POST
@role_required("acceptance.record_stove_removal")
def stove_removal(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user_or_404(Household, request.user, pk=pk)
    form = StoveRemovalForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.household_record_stove_removal(
                household=household, date=form.cleaned_data["date"], by=request.user
            ),
            _("已登记燃煤炉具拆除。"),
        )
    else:
        messages.error(request, _("请填写正确的拆除日期。"))
    return redirect("acceptance:household", pk=household.pk)


@require_GET
@role_required("acceptance.view_acceptance")
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(get_for_user_or_404(Attachment, request.user, pk=pk))


def _batch_households(user: Any, programme: Any, village: Village, kind: str) -> list[Household]:
    """Built households of the village that are ready for this kind of inspection."""
    ready = []
    first_state = {
        AcceptanceKind.COMPLETION: AcceptanceState.AWAITING_COMPLETION,
        AcceptanceKind.COMMISSIONING: AcceptanceState.AWAITING_COMMISSIONING,
    }[kind]
    households = queries.households_awaiting_acceptance(user, programme, village_id=village.pk)
    for h in queries.with_latest_kind(households):
        state = queries.state_of(h)
        reinspection = state == AcceptanceState.AWAITING_REINSPECTION and h.latest_kind == kind
        if state == first_state or reinspection:
            ready.append(h)
    return ready


def _batch_errors(error: ValidationError, rows: Any) -> list[str]:
    """Each household's messages on its row; the page-wide messages returned."""
    if not hasattr(error, "error_dict"):
        return error.messages
    by_pk = {str(f.household.pk): f for f in rows.forms}
    for key, errs in error.message_dict.items():
        for message in errs:
            by_pk[key].add_error(None, message)
    return [_("有改造户未通过校验，本次验收一户也未保存，请修改后重新提交。")]


@require_http_methods(["GET", "POST"])
@role_required("acceptance.add_acceptance")
def batch(request: HttpRequest) -> HttpResponse:
    """Village batch acceptance: choose village and kind, then one team, one date and a result
    per household in one screen. Saved all together or not at all."""
    programme = active_programme_or_404()
    user = request.user
    village_param = request.GET.get("village", "")
    if village_param:
        # Another town's village is a 404, as for every other object.
        get_for_user_or_404(Village, user, pk=village_param if village_param.isdigit() else 0)
    start = BatchStartForm(request.GET or None, user=user)
    if not start.is_bound or not start.is_valid():
        return render(request, "acceptance/batch_start.html", {"start": start})
    village = start.cleaned_data["village"]
    kind = start.cleaned_data["kind"]
    households = _batch_households(user, programme, village, kind)
    contractors = sorted({h.contractor.name for h in households if h.contractor_id})
    contractor_ids = {h.contractor_id for h in households if h.contractor_id}
    data = request.POST if request.method == "POST" else None
    team_form = BatchTeamForm(
        data,
        households=households,
        initial={
            "date": timezone.localdate(),
            "contractor": next(iter(contractor_ids)) if len(contractor_ids) == 1 else None,
        },
    )
    team = inspector_formset(data, "")
    rows = BatchRowFormSet(data, households=households, prefix="rows")
    batch_errors: list[str] = []
    if request.method == "POST" and team_form.is_valid() and team.is_valid() and rows.is_valid():
        entries = [f.entry() for f in rows.forms if f.cleaned_data.get("include")]
        try:
            saved = services.acceptance_record_batch(
                kind=kind,
                date=team_form.cleaned_data["date"],
                inspectors=team_form.team(team),
                entries=entries,
                by=user,
            )
        except ValidationError as error:
            batch_errors = _batch_errors(error, rows)
        else:
            passed = sum(1 for r in saved if r.result == AcceptanceResult.PASS)
            messages.success(
                request,
                _("已记录 %(n)d 户%(kind)s，其中通过 %(passed)d 户。")
                % {"n": len(saved), "kind": AcceptanceKind(kind).label, "passed": passed},
            )
            url = reverse("acceptance:list") + f"?village={village.pk}"
            return redirect(url)
    return render(
        request,
        "acceptance/batch.html",
        {
            "start": start,
            "village": village,
            "kind_label": AcceptanceKind(kind).label,
            "team_form": team_form,
            "team": team,
            "rows": rows,
            "batch_errors": batch_errors,
            "contractors": contractors,
        },
    )


@never_cache  # the file may carry full ID numbers
@require_GET
@role_required("acceptance.view_acceptance")
def register_export(request: HttpRequest) -> HttpResponse:
    """The acceptance register of one town (or, for district-wide roles, every town) as xlsx."""
    programme = active_programme_or_404()
    user = request.user
    town = None
    if request.GET.get("town"):
        town = get_for_user_or_404(Town, user, code=request.GET["town"])
    elif not user.sees_all_towns:
        check_town_allowed(user, user.town_id)
        town = user.town
        if town is None:
            raise Http404
    rows = queries.acceptance_register_rows(user, programme, town.pk if town else None)
    full_id = user.has_perm("tasks.view_full_id_number")
    content = exports.acceptance_register_xlsx(rows, full_id=full_id)
    if full_id:
        log.info("acceptance register export with full ID numbers: user=%s", user.pk)
        id_number_export_record(
            by=user,
            context=IdNumberView.Context.ACCEPTANCE_EXPORT,
            town=town,
            count=rows.values("household_id").distinct().count(),
            filters={"programme": programme.year, "town": town.code if town else ""},
        )
    name = _("验收台账-%(town)s-%(year)d.xlsx") % {
        "town": town.name if town else _("全区"),
        "year": programme.year,
    }
    return xlsx_response(content, name)
