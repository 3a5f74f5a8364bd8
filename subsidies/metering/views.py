"""Metering pages: the finance bureau's readings upload, usage flags (town sees its own),
adjustments, and a household's meters and readings. Thin: parse, call, render."""

import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from subsidies.metering import estimates, queries, services
from subsidies.metering.forms import (
    EstimateFilterForm,
    EstimatesPayForm,
    FlagDecisionForm,
    FlagFilterForm,
    MeterForm,
    OffsetForm,
    ReadingsUploadForm,
)
from subsidies.metering.forms import SettleForm as AdjustmentSettleForm
from subsidies.metering.models import Adjustment, AdjustmentStatus, UsageFlag
from tasks.models import Household
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error, attempt, attempt_form
from zichuan_heating.scoping import get_for_user_or_404
from zichuan_heating.spreadsheets import UnusableFile

ERRORS_SHOWN = 500


def _save_upload(upload) -> Path:
    suffix = ".csv" if upload.name.lower().endswith(".csv") else ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
        return Path(fh.name)


@require_http_methods(["GET", "POST"])
@role_required("subsidies.import_readings")
def readings_upload(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    seasons = programme.heating_seasons()
    form = ReadingsUploadForm(request.POST or None, request.FILES or None, seasons=seasons)
    outcome = None
    if request.method == "POST" and form.is_valid():
        path = _save_upload(form.cleaned_data["file"])
        try:
            outcome = services.readings_import_file(
                path=path,
                programme=programme,
                season=form.cleaned_data["season"],
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
                file_name=form.cleaned_data["file"].name,
            )
        except UnusableFile as e:
            form.add_error("file", e.message)
        except ValidationError as e:
            add_service_error(form, e)
        finally:
            path.unlink(missing_ok=True)
        if outcome is not None and outcome.committed:
            messages.success(
                request,
                _(
                    "已导入：新增 %(c)d 条，更新 %(u)d 条，未变化 %(n)d 条；重新核定 %(r)d 笔，"
                    "追缴/补发 %(a)d 笔，用量异常 %(f)d 户。"
                )
                % {
                    "c": outcome.created,
                    "u": outcome.updated,
                    "n": outcome.unchanged,
                    "r": outcome.record.repriced,
                    "a": outcome.record.adjustments,
                    "f": outcome.record.flags,
                },
            )
            return redirect("subsidies:readings_upload")
    context = {
        "form": form,
        "outcome": outcome,
        "errors": outcome.errors[:ERRORS_SHOWN] if outcome else [],
        "more_errors": max(len(outcome.errors) - ERRORS_SHOWN, 0) if outcome else 0,
        "recent": queries.recent_imports(),
    }
    return render(request, "subsidies/metering/upload.html", context)


@require_GET
@role_required("subsidies.view_usageflag")
def flag_list(request: HttpRequest) -> HttpResponse:
    filters = FlagFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    flags = queries.flags_for_user(
        request.user,
        status=values.get("status", ""),
        season=values.get("season", ""),
        q=values.get("q", ""),
    )
    page = Paginator(flags, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/metering/flag_list.html",
        {"filters": filters, "page": page, "flags": page.object_list},
    )


def _posted_by(request: HttpRequest, perm: str, form: Any) -> bool:
    """Whether this is a POST of a valid `form`; the page is seen with its view permission,
    but a POST needs `perm` (PermissionDenied, a 403, without it)."""
    if request.method != "POST":
        return False
    if not request.user.has_perm(perm):
        raise PermissionDenied
    return form.is_valid()


@require_http_methods(["GET", "POST"])
@role_required("subsidies.view_usageflag")
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_for_user_or_404(
        UsageFlag.objects.select_related("household__town", "household__village", "decided_by"),
        request.user,
        pk=pk,
    )
    form = FlagDecisionForm(request.POST or None)
    if _posted_by(request, "subsidies.decide_flag", form) and attempt(
        request,
        lambda: services.flag_decide(
            flag=flag,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        ),
        _("已处理。"),
        refused=partial(add_service_error, form),
    ):
        return redirect("subsidies:flag_detail", pk=flag.pk)
    return render(
        request,
        "subsidies/metering/flag_detail.html",
        {
            "flag": flag,
            "form": form,
            "history": flag.history.select_related("history_user").order_by("-history_date"),
            "readings": queries.household_readings(flag.household),
        },
    )


@require_GET
@role_required("subsidies.view_adjustment")
def adjustment_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in AdjustmentStatus.values else ""
    rows = queries.adjustments_for_user(request.user, status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/metering/adjustment_list.html",
        {
            "page": page,
            "adjustments": page.object_list,
            "status": status,
            "statuses": AdjustmentStatus.choices,
            "settle_form": AdjustmentSettleForm(),
            "offset_form": OffsetForm(),
        },
    )


def _adjustment_act(request: HttpRequest, pk: int, form_class, act) -> HttpResponse:
    adjustment = get_for_user_or_404(Adjustment, request.user, pk=pk)
    form = form_class(request.POST)
    attempt_form(request, form, lambda data: act(adjustment, data), _("已处理。"))
    return redirect("subsidies:adjustment_list")


@require_POST
@role_required("subsidies.settle_adjustment")
def adjustment_settle(request: HttpRequest, pk: int) -> HttpResponse:
    return _adjustment_act(
        request,
        pk,
        AdjustmentSettleForm,
        lambda a, data: services.adjustment_settle(
            adjustment=a, reference=data["reference"], by=request.user
        ),
    )


@require_POST
@role_required("subsidies.settle_adjustment")
def adjustment_offset(request: HttpRequest, pk: int) -> HttpResponse:
    return _adjustment_act(
        request,
        pk,
        OffsetForm,
        lambda a, data: services.adjustment_offset(adjustment=a, by=request.user),
    )


@require_http_methods(["GET", "POST"])
@role_required("subsidies.view_meter")
def household_meters(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user_or_404(
        Household.objects.select_related("town", "village"), request.user, pk=pk
    )
    form = MeterForm(request.POST or None)
    if _posted_by(request, "tasks.change_household", form) and attempt(
        request,
        lambda: services.meter_register(household=household, by=request.user, **form.cleaned_data),
        _("表计已登记。"),
        refused=partial(add_service_error, form),
    ):
        return redirect("subsidies:household_meters", pk=household.pk)
    return render(
        request,
        "subsidies/metering/household_meters.html",
        {
            "household": household,
            "form": form,
            "meters": queries.household_meters(household),
            "readings": queries.household_readings(household),
            "adjustments": household.adjustments.select_related("instalment"),
            "flags": household.usage_flags.all(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required("subsidies.prepare_batch")
def estimate_list(request: HttpRequest) -> HttpResponse:
    """待抄表: operating instalments priced on the estimate, held out of the batches until
    their reading arrives; finance may decide to pay ticked ones on the estimate."""
    programme = active_programme_or_404()
    filters = EstimateFilterForm(request.GET or None, seasons=programme.heating_seasons())
    values = filters.cleaned_data if filters.is_valid() else {}
    town = values.get("town")
    rows = estimates.awaiting_for_user(
        request.user,
        programme=programme,
        season=values.get("season", ""),
        town_id=town.pk if town else None,
    )
    form = EstimatesPayForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: estimates.estimates_pay(
                instalment_ids=form.cleaned_data["instalment"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            ),
            lambda n: _("已决定按估算发放 %(n)d 笔，可编入发放批次。") % {"n": n},
            refused=partial(add_service_error, form),
        )
    ):
        return redirect(request.get_full_path())
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/metering/estimate_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": page.object_list,
            "totals": estimates.awaiting_totals(rows),
            "form": form,
        },
    )
