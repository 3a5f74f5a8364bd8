"""Town plan pages: the town's plan and its versions, editing, submission, the district's
review queue, review with version differences, and the all-towns overview."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tasks.models import (
    PlanReview,
    PlanStatus,
    Town,
    TownPlan,
    TownPlanLine,
    TownPlanSubmission,
)
from tasks.models.plans import EDITABLE_PLAN_STATUSES, OPEN_PLAN_STATUSES, PLAN_FLOW
from tasks.plans import checks, documents
from tasks.plans import queries as pq
from tasks.plans import services as ps
from tasks.plans.forms import (
    ApproveForm,
    LineFormSet,
    ReturnForm,
    ThresholdForm,
    TownPlanForm,
    line_formset_with_one_more,
    line_initial,
)
from tasks.plans.ledger_lines import ledger_line_initial
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import attempt
from zichuan_heating.scoping import get_for_user_or_404


@role_required("tasks.view_townplan")
def plan_index(request: HttpRequest) -> HttpResponse:
    """Where 实施方案 in the navigation leads: the town's own plan, or the review queue."""
    if request.user.town_id:
        return redirect("plans:plan_town", request.user.town.code)
    if request.user.has_perm("tasks.review_townplan"):
        return redirect("plans:plan_review_queue")
    return redirect("plans:plan_overview")


@role_required("tasks.view_townplan")
def plan_town(request: HttpRequest, code: str) -> HttpResponse:
    town = get_for_user_or_404(Town, request.user, code=code)
    programme = active_programme_or_404()
    revisions = list(
        TownPlan.objects.for_user(request.user)
        .filter(programme=programme, town=town)
        .select_related("approved_by", "submitted_by")
        .order_by("-revision")
    )
    in_force = next((p for p in revisions if p.status == PlanStatus.APPROVED), None)
    working = next(
        (p for p in revisions if p.status in OPEN_PLAN_STATUSES),
        None,
    )
    reviews = (
        PlanReview.objects.filter(plan__in=revisions)
        .select_related("plan", "reviewed_by")
        .order_by("-reviewed_at", "-id")
    )
    submissions = (
        TownPlanSubmission.objects.filter(plan__in=revisions)
        .select_related("plan", "submitted_by")
        .defer("snapshot")
        .order_by("-submitted_at", "-id")
    )
    can_edit = ps.is_town_official_of(request.user, town.pk) and request.user.has_perm(
        "tasks.change_townplan"
    )
    return render(
        request,
        "tasks/plans/town.html",
        {
            "town": town,
            "programme": programme,
            "quota": checks.town_quota(programme.pk, town.pk),
            "revisions": revisions,
            "in_force": in_force,
            "working": working,
            "reviews": reviews,
            "submissions": submissions,
            "can_edit": can_edit,
            "checks": checks.plan_check(working) if working and working.is_editable else [],
        },
    )


def _saved(base: TownPlan | None, plan: TownPlan) -> str:
    """What saving the editor says: a new revision when the plan edited was the approved one."""
    if base is not None and plan.pk != base.pk:
        return _("已生成第%(rev)d版修订方案；核准前原方案继续有效。") % {"rev": plan.revision}
    return _("方案已保存。")


@role_required("tasks.change_townplan")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit the working revision; with only an approved one, saving opens a new revision."""
    town = get_for_user_or_404(Town, request.user, code=code)
    if not ps.is_town_official_of(request.user, town.pk):
        raise PermissionDenied
    programme = active_programme_or_404()
    plans = TownPlan.objects.filter(programme=programme, town=town)
    working = plans.filter(status__in=EDITABLE_PLAN_STATUSES).first()
    if working is None and plans.filter(status=PlanStatus.SUBMITTED).exists():
        messages.warning(request, _("方案已报送，正在等待区清洁取暖办审核，暂不能修改。"))
        return redirect("plans:plan_town", town.code)
    base = working or plans.filter(status=PlanStatus.APPROVED).first()
    if request.method == "POST" and "add_line" in request.POST:
        # Without script, "添加一行" posts the form back: shown again as typed, one line more.
        form = TownPlanForm(request.POST, instance=None)
        formset = line_formset_with_one_more(request.POST, town)
    elif request.method == "POST":
        form = TownPlanForm(request.POST, instance=None)
        formset = LineFormSet(request.POST, prefix="lines", form_kwargs={"town": town})
        if form.is_valid() and formset.is_valid():
            fields = {k: form.cleaned_data[k] for k in checks.PLAN_TEXT_FIELDS}

            def save() -> TownPlan:
                if base is None:
                    return ps.plan_create(
                        programme=programme,
                        town=town,
                        by=request.user,
                        lines=formset.lines(),
                        **fields,
                    )
                return ps.plan_update(plan=base, by=request.user, lines=formset.lines(), **fields)

            if attempt(request, save, partial(_saved, base)):
                return redirect("plans:plan_town", town.code)
    else:
        form = TownPlanForm(instance=base)
        initial = line_initial(base)
        if request.GET.get("from") == "ledger":
            initial = ledger_line_initial(programme, town, initial)
        formset = LineFormSet(prefix="lines", initial=initial, form_kwargs={"town": town})
    return render(
        request,
        "tasks/plans/edit.html",
        {
            "town": town,
            "programme": programme,
            "plan": base,
            "form": form,
            "formset": formset,
            "quota": checks.town_quota(programme.pk, town.pk),
            "opens_revision": base is not None and base.status == PlanStatus.APPROVED,
            "from_ledger": request.GET.get("from") == "ledger",
        },
    )


@role_required("tasks.change_townplan")
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user_or_404(TownPlan, request.user, pk=pk)
    attempt(
        request,
        lambda: ps.plan_submit(plan=plan, by=request.user),
        _("方案已报送区清洁取暖办审核。"),
    )
    return redirect("plans:plan_town", plan.town.code)


def _plan_for_detail(request: HttpRequest, pk: int) -> TownPlan:
    return get_for_user_or_404(
        TownPlan.objects.select_related("town", "programme", "approved_by", "submitted_by"),
        request.user,
        pk=pk,
    )


@role_required("tasks.view_townplan")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_detail(request, pk)
    latest = plan.submissions.select_related("submitted_by").order_by("-submitted_at", "-id")
    latest = latest.first()
    previous = pq.previous_submission(latest) if latest else None
    can_review = (
        PLAN_FLOW.can(plan, "approve")
        and request.user.has_perm("tasks.review_townplan")
        and not request.user.town_id
    )
    lines = TownPlanLine.objects.filter(plan=plan).select_related("village", "contractor")
    quota = checks.town_quota(plan.programme_id, plan.town_id)
    total = sum(line.households for line in lines)
    return render(
        request,
        "tasks/plans/detail.html",
        {
            "plan": plan,
            "lines": lines,
            "quota": quota,
            "total": total,
            "submission": latest,
            "previous": previous,
            "diff": pq.snapshot_diff(previous.snapshot, latest.snapshot) if previous else None,
            "reviews": plan.reviews.select_related("reviewed_by"),
            "can_review": can_review,
            "return_form": ReturnForm(),
            "approve_form": ApproveForm(),
            "checks": checks.plan_check(plan) if plan.is_editable else [],
        },
    )


@role_required("tasks.view_townplan")
def plan_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as approved, printable (PDF); a plan not (or no longer) in force has none."""
    plan = _plan_for_detail(request, pk)
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.SUPERSEDED):
        raise Http404
    return documents.plan_document(plan)


@role_required("tasks.view_townplan")
def plan_submission(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_for_user_or_404(
        TownPlanSubmission.objects.select_related("plan__town", "submitted_by"),
        request.user,
        pk=pk,
    )
    previous = pq.previous_submission(submission)
    return render(
        request,
        "tasks/plans/submission.html",
        {
            "submission": submission,
            "plan": submission.plan,
            "snapshot": submission.snapshot,
            "previous": previous,
            "diff": pq.snapshot_diff(previous.snapshot, submission.snapshot) if previous else None,
        },
    )


@role_required("tasks.review_townplan")
@require_http_methods(["GET", "POST"])
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_detail(request, pk)
    form = ApproveForm(request.POST or None)
    done = _("已核准%(town)s实施方案（第%(rev)d版）。") % {
        "town": plan.town.name,
        "rev": plan.revision,
    }
    comment = form.cleaned_data.get("comment") if form.is_bound and form.is_valid() else None
    if comment is not None and attempt(
        request, lambda: ps.plan_approve(plan=plan, by=request.user, comment=comment), done
    ):
        return redirect("plans:plan_detail", plan.pk)
    return render(request, "tasks/plans/approve.html", {"plan": plan, "form": form})


@role_required("tasks.review_townplan")
@require_POST
def plan_return(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_detail(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回时必须填写审核意见。"))
        return redirect("plans:plan_detail", plan.pk)
    attempt(
        request,
        lambda: ps.plan_return(plan=plan, by=request.user, comment=form.cleaned_data["comment"]),
        _("已退回，镇（街道）将收到审核意见。"),
    )
    return redirect("plans:plan_detail", plan.pk)


@role_required("tasks.review_townplan")
def plan_review_queue(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    return render(
        request,
        "tasks/plans/review_queue.html",
        {"programme": programme, "items": pq.review_queue(programme)},
    )


@role_required("tasks.view_townplan", "tasks.view_all_towns")
def plan_overview(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    today = timezone.localdate()
    setting = pq.schedule_setting(programme)
    threshold = pq.threshold_of(setting)
    rows = pq.town_overview(programme, request.user, today, threshold)
    return render(
        request,
        "tasks/plans/overview.html",
        {
            "programme": programme,
            "rows": rows,
            "today": today,
            "threshold": threshold,
            # Without a setting the form shows the model's default, DEFAULT_BEHIND_THRESHOLD.
            "threshold_form": ThresholdForm(instance=setting),
            "behind_count": sum(1 for r in rows if r.behind),
        },
    )


@role_required("tasks.change_schedulesetting")
@require_POST
def plan_threshold(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    form = ThresholdForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: ps.schedule_setting_update(
                programme=programme, by=request.user, **form.cleaned_data
            ),
            _("滞后阈值已更新。"),
        )
    else:
        messages.error(request, _("滞后阈值应在 0 到 100 之间。"))
    return redirect("plans:plan_overview")
