"""Pages of safety: the overview by town, inspections and their findings, emergency plans and
drills. Thin: parse, call a service or a query, render. Every object is fetched through the
town scoping helper, so another town's object is a 404."""

import uuid
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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks.models import Household, Town
from visits.models import FINDING_FLOW, Drill, EmergencyPlan, HazardFinding, HazardInspection
from visits.safety import queries, services
from visits.safety.forms import (
    DrillForm,
    EmergencyPlanForm,
    FindingFormSet,
    InspectionForm,
    RectifyForm,
    SendBackForm,
    VerifyForm,
    VoidForm,
    findings_from,
)
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error, attempt, attempt_form
from zichuan_heating.scoping import get_for_user_or_404
from zichuan_heating.uploads import attachment_response

STATES = (
    ("open", gettext_lazy("待整改")),
    ("overdue", gettext_lazy("已逾期")),
    ("rectified", gettext_lazy("已整改待复核")),
    ("verified", gettext_lazy("已复核销号")),
    ("voided", gettext_lazy("已撤销（误登记）")),
)


def _town_filter(request: HttpRequest) -> Town | None:
    code = request.GET.get("town", "")
    return get_for_user_or_404(Town, request.user, code=code) if code else None


def _own_town(request: HttpRequest) -> Town:
    """The town an official records for; the district office records nothing here."""
    town = getattr(request.user, "town", None)
    if town is None:
        raise Http404
    return town


@require_GET
@role_required("visits.view_hazardinspection")
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = queries.safety_for_user(request.user, today)
    return render(
        request,
        "visits/safety/overview.html",
        {"rows": rows, "total": queries.safety_total(rows), "today": today},
    )


@require_GET
@role_required("visits.view_hazardinspection")
def inspection_list(request: HttpRequest) -> HttpResponse:
    town = _town_filter(request)
    state = request.GET.get("state", "")
    q = request.GET.get("q", "")
    qs = queries.inspections_for_user(
        request.user, town_id=town.pk if town else None, state=state, q=q
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/safety/inspection_list.html",
        {
            "page": page,
            "town": town,
            "towns": Town.objects.for_user(request.user),
            "state": state,
            "states": STATES,
            "q": q,
        },
    )


def _household_from(request: HttpRequest) -> Household | None:
    raw = request.GET.get("household") or request.POST.get("household") or ""
    if not raw:
        return None
    return get_for_user_or_404(
        Household.objects.select_related("village"), request.user, pk=raw if raw.isdigit() else 0
    )


@require_http_methods(["GET", "POST"])
@role_required("visits.add_hazardinspection")
def inspection_new(request: HttpRequest) -> HttpResponse:
    town = _own_town(request)
    household = _household_from(request)
    data = request.POST if request.method == "POST" else None
    initial = {"inspected_on": timezone.localdate(), "submission": uuid.uuid4()}
    if household is not None:
        initial["village"] = household.village
    form = InspectionForm(data, town_id=town.pk, initial=initial)
    findings = FindingFormSet(data, prefix="findings")
    if data is not None and form.is_valid() and findings.is_valid():
        # Not `attempt`: the page to go to is the new inspection's, and a replay is told apart.
        try:
            inspection = services.inspection_record(
                town=town,
                household=household,
                findings=findings_from(findings),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if inspection.replayed:
                messages.info(request, _("该排查已登记，重复提交没有再登记一次。"))
            else:
                n = inspection.findings.count()
                messages.success(request, _("已登记隐患排查，发现隐患 %(n)d 条。") % {"n": n})
            return redirect(inspection)
    return render(
        request,
        "visits/safety/inspection_form.html",
        {"form": form, "findings": findings, "household": household, "town": town},
    )


def _inspection_or_404(request: HttpRequest, pk: int) -> HazardInspection:
    return get_for_user_or_404(
        HazardInspection.objects.select_related("town", "village", "household", "recorded_by"),
        request.user,
        pk=pk,
    )


@require_GET
@role_required("visits.view_hazardinspection")
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    today = timezone.localdate()
    findings = queries.inspection_findings(inspection)
    for f in findings:
        f.actions = set() if inspection.voided else {t.name for t in FINDING_FLOW.available(f)}
        f.overdue = f.is_overdue(today)
    return render(
        request,
        "visits/safety/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "history": queries.inspection_history(inspection),
            "rectify_form": RectifyForm(initial={"rectified_on": today}),
            "verify_form": VerifyForm(),
            "send_back_form": SendBackForm(),
        },
    )


def _finding_or_404(request: HttpRequest, pk: int) -> HazardFinding:
    return get_for_user_or_404(
        HazardFinding.objects.select_related("inspection"), request.user, pk=pk
    )


def _finding_action(request: HttpRequest, pk: int, form_class: Any, service: Any, done: str) -> Any:
    """Parse the form, call the service with the finding and the form's fields (not its
    confirmation box), say what happened, back to the inspection."""
    finding = _finding_or_404(request, pk)
    form = form_class(request.POST)
    attempt_form(
        request, form, lambda data: service(finding=finding, by=request.user, **data), done
    )
    return redirect(finding.get_absolute_url())


@require_POST
@role_required("visits.rectify_hazardfinding")
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("已登记整改情况，等待复核。")
    return _finding_action(request, pk, RectifyForm, services.finding_rectify, done)


@require_POST
@role_required("visits.verify_hazardfinding")
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("已复核，隐患销号。")
    return _finding_action(request, pk, VerifyForm, services.finding_verify, done)


@require_POST
@role_required("visits.verify_hazardfinding")
def finding_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("已退回重新整改，本镇工作人员将收到通知。")
    return _finding_action(request, pk, SendBackForm, services.finding_send_back, done)


@require_GET
@role_required("visits.view_emergencyplan", "visits.view_drill")
def emergency(request: HttpRequest) -> HttpResponse:
    """Each town's emergency plans and the drills it held."""
    town = _town_filter(request)
    town_id = town.pk if town else None
    drills = Paginator(queries.drills_for_user(request.user, town_id), 30)
    return render(
        request,
        "visits/safety/emergency.html",
        {
            "town": town,
            "towns": Town.objects.for_user(request.user),
            "plans": queries.plans_for_user(request.user, town_id)[:200],
            "page": drills.get_page(request.GET.get("page")),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required("visits.add_emergencyplan")
def plan_new(request: HttpRequest) -> HttpResponse:
    town = _own_town(request)
    form = EmergencyPlanForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.emergency_plan_upload(town=town, by=request.user, **form.cleaned_data),
            _("已上传应急预案。"),
            refused=partial(add_service_error, form),
        )
    ):
        return redirect("visits:safety:emergency")
    return render(request, "visits/safety/plan_form.html", {"form": form, "town": town})


@require_http_methods(["GET", "POST"])
@role_required("visits.add_drill")
def drill_new(request: HttpRequest) -> HttpResponse:
    town = _own_town(request)
    data = request.POST if request.method == "POST" else None
    form = DrillForm(data, request.FILES or None, town_id=town.pk)
    if (
        data is not None
        and form.is_valid()
        and attempt(
            request,
            lambda: services.drill_record(
                town=town,
                data=form.data_for_service(),
                report=form.cleaned_data.get("report"),
                by=request.user,
            ),
            _("已登记应急演练。"),
            refused=partial(add_service_error, form),
        )
    ):
        return redirect("visits:safety:emergency")
    return render(request, "visits/safety/drill_form.html", {"form": form, "town": town})


@require_GET
@role_required("visits.view_emergencyplan")
def plan_document(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(get_for_user_or_404(EmergencyPlan, request.user, pk=pk))


@require_GET
@role_required("visits.view_drill")
def drill_report(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(get_for_user_or_404(Drill, request.user, pk=pk))


#: What may be withdrawn when recorded by mistake, and where its page is.
VOIDABLE = {
    "inspection": (HazardInspection, gettext_lazy("隐患排查")),
    "plan": (EmergencyPlan, gettext_lazy("应急预案")),
    "drill": (Drill, gettext_lazy("应急演练")),
}


def _void_back(kind: str, record: Any) -> str:
    if kind == "inspection":
        return record.get_absolute_url()
    return reverse("visits:safety:emergency")


@require_http_methods(["GET", "POST"])
@role_required("visits.void_safetyrecord")
def void(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Withdraw a record entered by mistake, after a reason and a ticked confirmation."""
    model, label = VOIDABLE[kind]
    record = get_for_user_or_404(model.objects.select_related("town"), request.user, pk=pk)
    form = VoidForm(request.POST or None)
    back = _void_back(kind, record)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.safety_void(
                record=record, reason=form.cleaned_data["reason"], by=request.user
            ),
            _("已撤销该%(what)s，记录保留，不再计入统计。") % {"what": label},
            refused=partial(add_service_error, form),
        )
    ):
        return redirect(back)
    return render(
        request,
        "visits/safety/void.html",
        {"record": record, "label": label, "form": form, "back": back},
    )
