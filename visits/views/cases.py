"""Case pages: the list, opening a complaint or a 12345 ticket, one case with its trail and the
actions its status allows, and turning it into a supervision notice."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks.models import Household
from visits import queries, services
from visits.forms import CaseForm, NoteForm, NoticeForm, ReassignForm, ReopenForm, ResolveForm
from visits.models import CASE_FLOW, Case, CaseCategory, CaseStatus
from visits.views.filters import number, town_filter
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import (
    add_service_error,
    attempt_form,
    flash_errors,
    flash_form_errors,
)
from zichuan_heating.scoping import get_for_user_or_404

SORT_LABELS = [
    ("recent", gettext_lazy("最新登记在前")),
    ("deadline", gettext_lazy("办理期限最早在前")),
    ("town", gettext_lazy("按镇（街道）")),
    ("status", gettext_lazy("按状态")),
]


@require_GET
@role_required("visits.view_case")
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    category = request.GET.get("category", "")
    overdue = request.GET.get("overdue") == "1"
    q = request.GET.get("q", "").strip()[:50]
    town_id, towns = town_filter(request)
    qs = queries.cases_for_user(
        request.user,
        status=status if status in [*CaseStatus.values, "open"] else "",
        category=category if category in CaseCategory.values else "",
        overdue=overdue,
        q=q,
        town_id=town_id,
        sort=request.GET.get("sort", ""),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/case_list.html",
        {
            "page": page,
            "status": status,
            "category": category,
            "overdue": overdue,
            "q": q,
            "town": town_id,
            "towns": towns,
            "statuses": CaseStatus.choices,
            "categories": CaseCategory.choices,
            "now": timezone.now(),
            "sort": s if (s := request.GET.get("sort", "")) in queries.CASE_SORTS else "recent",
            "sorts": SORT_LABELS,
        },
    )


def _household(user, town, pk):
    if not pk:
        return None
    household = Household.objects.for_user(user).filter(pk=pk, town=town).first()
    if household is None:
        raise ValidationError(
            {"household": _("本镇（街道）没有编号为 %(pk)s 的改造户。") % {"pk": pk}}
        )
    return household


@require_http_methods(["GET", "POST"])
@role_required("visits.add_case")
def case_new(request: HttpRequest) -> HttpResponse:
    initial = {"town": request.user.town_id} if request.user.town_id else {}
    if household_id := number(request.GET.get("household")):
        initial["household"] = household_id  # the ledger's household page links here
    form = CaseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.user.town_id:
        form.fields["town"].queryset = form.fields["town"].queryset.filter(pk=request.user.town_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                town=data["town"],
                category=data["category"],
                source=data["source"],
                title=data["title"],
                description=data["description"],
                hotline_number=data["hotline_number"],
                household=_household(request.user, data["town"], data["household"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("工单 %(number)s 已登记并交办。") % {"number": case.number})
            if Case.objects.for_user(request.user).filter(pk=case.pk).exists():
                return redirect(case)
            return redirect("visits:case_list")
    return render(request, "visits/case_new.html", {"form": form})


@require_GET
@role_required("visits.view_case")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user_or_404(
        Case.objects.select_related("town", "household", "visit", "notice", "opened_by"),
        request.user,
        pk=pk,
    )
    actions = {t.name for t in CASE_FLOW.available(case)}
    return render(
        request,
        "visits/case_detail.html",
        {
            "case": case,
            "trail": queries.case_trail(case),
            "actions": actions,
            "overdue": case.is_overdue(timezone.now()),
            "note_form": NoteForm(),
            "resolve_form": ResolveForm(),
            "reopen_form": ReopenForm(),
            "reassign_form": ReassignForm(),
            "notice_form": NoticeForm(),
        },
    )


ACTIONS = {
    "start": (NoteForm, lambda case, by, d: services.case_start(case=case, by=by, note=d["note"])),
    "resolve": (
        ResolveForm,
        lambda case, by, d: services.case_resolve(case=case, by=by, resolution=d["resolution"]),
    ),
    "close": (NoteForm, lambda case, by, d: services.case_close(case=case, by=by, note=d["note"])),
    "reassign": (
        ReassignForm,
        lambda case, by, d: services.case_reassign(
            case=case, by=by, town=d["town"], reason=d["reason"]
        ),
    ),
    "reopen": (
        ReopenForm,
        lambda case, by, d: services.case_reopen(case=case, by=by, reason=d["reason"]),
    ),
}


@require_POST
@role_required("visits.view_case")
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    case = get_for_user_or_404(Case, request.user, pk=pk)
    form_class, act = ACTIONS[action]
    form = form_class(request.POST)
    attempt_form(
        request,
        form,
        lambda data: act(case, request.user, data),
        _("已%(action)s。") % {"action": CASE_FLOW[action].label},
    )
    return redirect(case)


@require_POST
@role_required("visits.manage_case")
def case_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_user_or_404(Case, request.user, pk=pk)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(case)
    try:
        notice = services.case_to_notice(
            case=case,
            by=request.user,
            deadline=form.cleaned_data["deadline"],
            problem=form.cleaned_data["problem"],
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(case)
    messages.success(request, _("已转为督办，下发到%(town)s。") % {"town": case.town.name})
    return redirect(notice)
