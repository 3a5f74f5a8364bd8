"""Finance pages of the subsidies app: thin views that parse, call a service, render.

Every money-moving POST is idempotent in effect: the service locks the batch and checks its
state, so a double click's second request finds the work done and only shows a message. A
user the service refuses to let act (PermissionDenied) gets a 403.
"""

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from subsidies import pricing, queries, services
from subsidies.forms import (
    ApproveForm,
    BankReturnForm,
    BatchChoiceForm,
    BatchPrepareForm,
    ExportForm,
    LineFailForm,
    MarkPaidForm,
    ResubmitForm,
    ReturnForm,
    StandardForm,
    WithdrawForm,
)
from subsidies.models import BatchLine, DisbursementBatch, SubsidyStandard
from subsidies.payments.forms import ProtectedExportForm
from subsidies.payments.queries import batch_by_source
from tasks.models import Household
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.downloads import xlsx_response
from zichuan_heating.feedback import attempt, attempt_form, flash_errors, flash_form_errors
from zichuan_heating.scoping import get_for_user_or_404
from zichuan_heating.templatetags.money import format_amount


@require_GET
@role_required("subsidies.view_subsidystandard")
def standard_list(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    standards = SubsidyStandard.objects.filter(programme=programme).order_by("route", "-version")
    current = queries.current_standards(programme)
    rows = [
        {
            "standard": s,
            "current": current.get(s.route) == s,
            "operating": pricing.operating_amount(s),
        }
        for s in standards
    ]
    return render(request, "subsidies/standard_list.html", {"programme": programme, "rows": rows})


def _standard_saved(result: tuple[SubsidyStandard, int]) -> str:
    new, n = result
    return _("已保存为第 %(v)s 版，%(n)s 笔未发放补贴已按新标准调整。") % {"v": new.version, "n": n}


@require_http_methods(["GET", "POST"])
@role_required("subsidies.manage_standards")
def standard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = get_object_or_404(SubsidyStandard, pk=pk)
    form = StandardForm(
        request.POST or None,
        instance=SubsidyStandard(
            **{
                f.attname: getattr(standard, f.attname)
                for f in SubsidyStandard._meta.concrete_fields
                if f.name not in ("id", "created_at")
            }
        ),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.standard_change(
                standard=standard,
                by=request.user,
                effective_from=form.cleaned_data["effective_from"],
                **{f: form.cleaned_data[f] for f in services.STANDARD_FIELDS},
            ),
            _standard_saved,
        )
    ):
        return redirect("subsidies:standard_list")
    return render(request, "subsidies/standard_edit.html", {"form": form, "standard": standard})


@require_GET
@role_required("subsidies.view_instalment")
def overview(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    return render(
        request,
        "subsidies/overview.html",
        {"programme": programme, **queries.overview(programme, request.user)},
    )


@require_GET
@role_required("subsidies.view_disbursementbatch")
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.batches_for_list(), 30).get_page(request.GET.get("page"))
    return render(request, "subsidies/batch_list.html", {"page": page, "batches": page})


@require_http_methods(["GET", "POST"])
@role_required("subsidies.prepare_batch")
def batch_prepare(request: HttpRequest) -> HttpResponse:
    """Two steps: choose season and towns (GET) and see what the batch would take, per item
    and overall; then confirm those figures (POST). If the pool moved in between, the
    service refuses and the preview shows the new figures."""
    programme = active_programme_or_404()
    seasons = programme.heating_seasons()
    if request.method == "POST":
        form = BatchPrepareForm(request.POST, seasons=seasons)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.batch_prepare(
                    programme=programme,
                    season=data["season"],
                    towns=list(data["towns"]),
                    by=request.user,
                    expect=(data["expected_count"], data["expected_total"]),
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, _prepared_message(batch))
                return redirect(batch)
        else:
            flash_form_errors(request, form)
        choice = BatchChoiceForm(request.POST, seasons=seasons)
    else:
        choice = BatchChoiceForm(request.GET if "season" in request.GET else None, seasons=seasons)
    context: dict[str, Any] = {"form": choice, "programme": programme}
    if choice.is_bound and choice.is_valid():
        towns = list(choice.cleaned_data["towns"])
        summary = queries.pool_summary(
            programme=programme, season=choice.cleaned_data["season"], towns=towns
        )
        initial = {
            "season": choice.cleaned_data["season"],
            "towns": towns,
            "expected_count": summary["count"],
            "expected_total": summary["total"],
        }
        context |= {
            "summary": summary,
            "chosen_towns": towns,
            "confirm_form": BatchPrepareForm(initial=initial, seasons=seasons),
        }
    return render(request, "subsidies/batch_prepare.html", context)


def _prepared_message(batch: DisbursementBatch) -> str:
    return _("已编制批次 %(b)s：%(n)s 笔，合计 %(t)s 元。") % {
        "b": batch.number,
        "n": batch.line_count,
        "t": format_amount(batch.total_amount),
    }


def _batch(pk: int) -> DisbursementBatch:
    return get_object_or_404(
        DisbursementBatch.objects.select_related(
            "programme", "prepared_by", "approved_by", "paid_by"
        ),
        pk=pk,
    )


@require_GET
@role_required("subsidies.view_disbursementbatch")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    page = Paginator(queries.batch_lines(batch), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "lines": page,
            "trail": queries.batch_trail(batch),
            "sources": batch_by_source(batch),
            "protected_form": ProtectedExportForm(),
            "towns": batch.towns.all(),
            "approve_form": ApproveForm(),
            "export_form": ExportForm(),
            "paid_form": MarkPaidForm(),
            "bank_form": BankReturnForm(),
            "return_form": ReturnForm(),
            "resubmit_form": ResubmitForm(),
            "withdraw_form": WithdrawForm(),
            "can_approve": request.user.has_perm("subsidies.approve_batch")
            and batch.prepared_by_id != request.user.pk,
        },
    )


def _act(
    request: HttpRequest, pk: int, form_class: type, service: Any, done: Any, **target: Any
) -> HttpResponse:
    """A POST on a batch: the form (its confirmation box), the service, a message, back.

    The service gets the form's fields, `by=` the user and the object acted on: the batch,
    unless `target` names another (a line). `done` is the success message, or a function of
    the service's result giving it. A refusal (ValidationError) is flashed; a user who may
    not act gets the service's PermissionDenied as a 403.
    """
    batch = _batch(pk)
    form = form_class(request.POST, request.FILES or None)
    attempt_form(
        request,
        form,
        lambda data: service(**(target or {"batch": batch}), **data, by=request.user),
        done,
    )
    return redirect(batch)


@require_POST
@role_required("subsidies.approve_batch")
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ApproveForm, services.batch_approve, _("批次已审核通过。"))


@require_POST
@role_required("subsidies.approve_batch")
def batch_return(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("批次已退回制单人。")
    return _act(request, pk, ReturnForm, services.batch_return, done)


@require_POST
@role_required("subsidies.prepare_batch")
def batch_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("批次已重新提交审核。")
    return _act(request, pk, ResubmitForm, services.batch_resubmit, done)


@require_POST
@role_required("subsidies.prepare_batch")
def batch_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("批次已撤销，其中的补贴已退回待发放。")
    return _act(request, pk, WithdrawForm, services.batch_withdraw, done)


@never_cache  # the sheet may carry full ID numbers
@require_GET
@role_required("subsidies.export_batch")
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    buf = io.BytesIO()
    try:
        services.disbursement_export(batch=batch, by=request.user, out=buf)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(batch)
    return xlsx_response(buf, f"补贴发放表-{batch.number}-{batch.season}.xlsx")


@require_POST
@role_required("subsidies.export_batch")
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("批次已标记为已导出，请下载发放表送银行。")
    return _act(request, pk, ExportForm, services.batch_mark_exported, done)


@require_POST
@role_required("subsidies.prepare_batch")
def line_fail(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    line = get_object_or_404(BatchLine, pk=line_id, batch_id=pk)
    done = _("该明细已标记为支付失败，补贴退回待发放。")
    return _act(request, pk, LineFailForm, services.line_mark_failed, done, line=line)


@require_POST
@role_required("subsidies.prepare_batch")
def batch_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, MarkPaidForm, services.batch_mark_paid, _("批次已确认发放。"))


def _bank_return_done(result: services.BankReturnResult) -> str:
    return _("银行回单已导入：成功 %(p)s 笔，失败 %(f)s 笔，未变化 %(u)s 笔。") % {
        "p": result.paid,
        "f": result.failed,
        "u": result.unchanged,
    }


@require_POST
@role_required("subsidies.prepare_batch")
def bank_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, BankReturnForm, services.bank_return_import, _bank_return_done)


@require_GET
@role_required("subsidies.view_instalment")
def household_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user_or_404(
        Household.objects.select_related("town", "village"), request.user, pk=pk
    )
    return render(request, "subsidies/household_schedule.html", {"household": household})
