"""Pages of payments: a household's payment account, the fund sources' shares and the
budget execution (预算执行), the password-protected sheet, and the trace of every yuan.
Thin: parse, call a service or a query, render. Households and lines are fetched through
the town scoping (another town's object is a 404)."""

import io

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from subsidies.models import BatchLine, DisbursementBatch, SubsidyStandard
from subsidies.payments import queries, services, trace
from subsidies.payments.forms import (
    FundBudgetForm,
    FundSharesForm,
    PaymentAccountForm,
    ProtectedExportForm,
)
from subsidies.payments.models import FundShare, PaymentAccount
from subsidies.services import disbursement_export
from tasks.models import Household
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.downloads import xlsx_response
from zichuan_heating.feedback import attempt, attempt_form, flash_errors, flash_form_errors
from zichuan_heating.scoping import get_for_user_or_404


def _household(request: HttpRequest, pk: int) -> Household:
    return get_for_user_or_404(
        Household.objects.select_related("town", "village"), request.user, pk=pk
    )


@require_http_methods(["GET", "POST"])
@role_required("subsidies.change_paymentaccount")
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    account = PaymentAccount.objects.filter(household=household).first()
    initial = (
        {
            "kind": account.kind,
            "bank": account.bank,
            "holder": account.holder,
            "number": account.number,
        }
        if account
        else {"holder": household.head_name}
    )
    form = PaymentAccountForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.payment_account_set(
                household=household, by=request.user, **form.cleaned_data
            ),
            _("收款账户已保存。"),
        )
    ):
        return redirect("ledger:household_detail", household.pk)
    return render(
        request,
        "subsidies/payments/account_edit.html",
        {"household": household, "account": account, "form": form},
    )


@require_GET
@role_required("subsidies.view_instalment")
def trace_household(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(
        request,
        "subsidies/payments/trace.html",
        {"household": household, "chains": trace.chains(household), "line": None},
    )


@require_GET
@role_required("subsidies.view_instalment")
def trace_line(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_for_user_or_404(
        BatchLine.objects.select_related("instalment__household__town", "batch"),
        request.user,
        pk=pk,
    )
    household = line.instalment.household
    return render(
        request,
        "subsidies/payments/trace.html",
        {"household": household, "chains": trace.chains(household, line=line), "line": line},
    )


@require_GET
@role_required("subsidies.view_fundbudget")
def funds(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    return render(
        request,
        "subsidies/payments/funds.html",
        {
            "programme": programme,
            "execution": queries.budget_execution(programme),
            "standards": queries.standards_with_shares(programme),
            "budget_form": FundBudgetForm(seasons=queries.budget_seasons(programme)),
        },
    )


@require_POST
@role_required("subsidies.manage_funds")
def budget_set(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    form = FundBudgetForm(request.POST, seasons=queries.budget_seasons(programme))
    attempt_form(
        request,
        form,
        lambda data: services.fund_budget_set(programme=programme, by=request.user, **data),
        _("预算已保存。"),
    )
    return redirect("subsidies:funds")


@require_http_methods(["GET", "POST"])
@role_required("subsidies.manage_funds")
def shares_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = get_object_or_404(SubsidyStandard.objects.select_related("programme"), pk=pk)
    current = queries.shares_by_standard({standard.pk}).get(standard.pk, [])
    form = FundSharesForm(request.POST or None, initial_shares=dict(current))
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.fund_shares_set(
                standard=standard, shares=form.shares(), by=request.user
            ),
            _("资金来源比例已保存。"),
        )
    ):
        return redirect("subsidies:funds")
    own = FundShare.objects.filter(standard=standard).exists()
    return render(
        request,
        "subsidies/payments/shares_edit.html",
        {"standard": standard, "form": form, "inherited": bool(current) and not own},
    )


@never_cache
@sensitive_post_parameters("password", "password2")
@require_POST
@role_required("subsidies.export_batch")
def batch_download_protected(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet encrypted with the password the finance user typed (kept nowhere)."""
    batch = get_object_or_404(DisbursementBatch.objects.select_related("programme"), pk=pk)
    form = ProtectedExportForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(batch)
    buf = io.BytesIO()
    try:
        disbursement_export(
            batch=batch,
            by=request.user,
            out=buf,
            password=form.cleaned_data["password"],
            filters={"protected": True},
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(batch)
    return xlsx_response(buf, f"补贴发放表-{batch.number}-{batch.season}-加密.xlsx")
