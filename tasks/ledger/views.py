"""Ledger pages (改造户台账): list, create, edit, detail with history, and the status actions.

Every household is fetched through `get_for_user_or_404`, so another town's household is a 404
for every URL here. Actions are POST only and need the confirmation box the user ticks.
"""

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tasks.ledger import queries, services
from tasks.ledger.forms import (
    CompleteConstructionForm,
    ContractForm,
    HouseholdForm,
    RestoreForm,
    StartConstructionForm,
    WithdrawForm,
)
from tasks.ledger.preconditions import contract_missing
from tasks.ledger.rows import household_rows
from tasks.models import Household, HouseholdStatus, IdNumberView
from tasks.queries import active_programme
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error, attempt, attempt_form
from zichuan_heating.pagination import page_of
from zichuan_heating.scoping import get_for_user_or_404

FULL_ID_PERM = "tasks.view_full_id_number"


def _household(request: HttpRequest, pk: int) -> Household:
    qs = Household.objects.select_related("programme", "town", "village", "equipment", "contractor")
    return get_for_user_or_404(qs, request.user, pk=pk)


@never_cache  # full ID numbers (or the one typed) stay out of browser and proxy caches
@role_required("tasks.view_household")
def household_list(request: HttpRequest) -> HttpResponse:
    programme = active_programme()
    filterset, qs = queries.household_list(request.user, programme, request.GET)
    if not request.user.sees_all_towns:
        filterset.form.fields.pop("town", None)
    elif not request.GET.get("town"):
        # A hundred villages across nine towns is no help; choose a town first.
        filterset.form.fields.pop("village", None)
    per_page = queries.page_size(request.GET.get("per_page"))
    page = page_of(qs, per_page, request.GET.get("page"))
    show_full_id = request.user.has_perm(FULL_ID_PERM)
    can_change = request.user.has_perm("tasks.change_household")
    rows = household_rows(
        page.object_list,
        can_change=can_change,
        sees_all_towns=request.user.sees_all_towns,
        show_full_id=show_full_id,
    )
    if show_full_id and page.object_list:
        services.id_number_views_record(
            households=list(page.object_list), by=request.user, context=IdNumberView.Context.LIST
        )
    return render(
        request,
        "tasks/households/list.html",
        {
            "programme": programme,
            "filter": filterset,
            "page": page,
            "per_page": per_page,
            "page_sizes": queries.LIST_PAGE_SIZES,
            "show_full_id": show_full_id,
            "rows": rows,
            "can_change": can_change,
            "sees_all_towns": request.user.sees_all_towns,
            "filtered": any(v for k, v in request.GET.items() if k not in ("page", "per_page")),
        },
    )


@never_cache  # full ID numbers (or the one typed) stay out of browser and proxy caches
@role_required("tasks.add_household")
def household_create(request: HttpRequest) -> HttpResponse:
    programme = active_programme()
    if programme is None:
        raise Http404
    form = HouseholdForm(request.POST or None, user=request.user)

    if request.method == "POST" and form.is_valid():
        # Not `attempt`: the page to go to is the new household's, the service's result.
        fields = form.service_fields()
        try:
            household = services.household_register(
                programme=programme, town=fields["village"].town, by=request.user, **fields
            )
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("已登记：%(name)s。") % {"name": household.head_name})
            return redirect(household)
    return render(request, "tasks/households/form.html", {"form": form, "household": None})


@never_cache  # full ID numbers (or the one typed) stay out of browser and proxy caches
@role_required("tasks.change_household")
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    if household.status == HouseholdStatus.WITHDRAWN:
        messages.error(request, _("该户已退出，不能修改台账信息。"))
        return redirect(household)
    show_full_id = request.user.has_perm(FULL_ID_PERM)
    form = HouseholdForm(
        request.POST or None,
        instance=Household.objects.get(pk=household.pk),  # the form mutates its instance
        user=request.user,
        town_id=household.town_id,
        stored_id_number=household.id_number,
        show_full_id=show_full_id,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.household_update(
                household=household, by=request.user, **form.service_fields()
            ),
            _("已保存。"),
            refused=partial(add_service_error, form),
        )
    ):
        return redirect(household)
    if show_full_id and request.method != "POST":  # a posted form shows what was posted
        services.id_number_views_record(
            households=[household], by=request.user, context=IdNumberView.Context.EDIT
        )
    return render(request, "tasks/households/form.html", {"form": form, "household": household})


def _detail_context(request: HttpRequest, household: Household, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_change = user.has_perm("tasks.change_household")
    status = household.status
    return {
        "household": household,
        "full_id": False,
        "history": queries.household_history(household, show_full_id=extra.get("full_id", False)),
        "can_change": can_change,
        "can_view_full_id": user.has_perm(FULL_ID_PERM),
        "can_restore": user.has_perm("tasks.restore_household")
        and status == HouseholdStatus.WITHDRAWN,
        "restore_form": RestoreForm(),
        "contract_form": ContractForm(prefix="contract")
        if can_change and status == HouseholdStatus.SURVEYED
        else None,
        # What signing still needs, shown before anything is filled in.
        "contract_missing": list(contract_missing(household).values())
        if status == HouseholdStatus.SURVEYED
        else [],
        "start_form": StartConstructionForm(prefix="start")
        if can_change and status == HouseholdStatus.CONTRACTED
        else None,
        "start_refusal": queries.household_start_construction_refusal(household)
        if can_change and status == HouseholdStatus.CONTRACTED
        else None,
        "complete_form": CompleteConstructionForm(prefix="complete")
        if can_change and status == HouseholdStatus.UNDER_CONSTRUCTION
        else None,
        "can_withdraw": can_change and status != HouseholdStatus.WITHDRAWN,
        **extra,
    }


@never_cache  # full ID numbers (or the one typed) stay out of browser and proxy caches
@role_required("tasks.view_household")
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(request, "tasks/households/detail.html", _detail_context(request, household))


@never_cache  # full ID numbers (or the one typed) stay out of browser and proxy caches
@require_POST
@role_required(FULL_ID_PERM)
def household_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number once, and log that this user saw it."""
    household = _household(request, pk)
    services.id_number_views_record(
        households=[household], by=request.user, context=IdNumberView.Context.DETAIL
    )
    return render(
        request,
        "tasks/households/detail.html",
        _detail_context(request, household, full_id=True),
    )


#: action name (also the form prefix) → (form class, service); the form's date is the
#: service's keyword of the same name.
ACTIONS = {
    "contract": (ContractForm, services.household_contract),
    "start": (StartConstructionForm, services.household_start_construction),
    "complete": (CompleteConstructionForm, services.household_complete_construction),
}


@require_POST
@role_required("tasks.change_household")
def household_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    household = _household(request, pk)
    form_class, service = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    date_field = form_class.date_field
    attempt_form(
        request,
        form,
        lambda data: service(
            household=household, by=request.user, **{date_field: data[date_field]}
        ),
        lambda stepped: _("已更新状态：%(status)s。") % {"status": stepped.get_status_display()},
    )
    return redirect(household)


@role_required("tasks.change_household")
def household_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = WithdrawForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.household_withdraw(
                household=household, by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("该户已退出。"),
            refused=partial(add_service_error, form),
        )
    ):
        return redirect(household)
    return render(request, "tasks/households/withdraw.html", {"household": household, "form": form})


@require_POST
@role_required("tasks.restore_household")
def household_restore(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = RestoreForm(request.POST)
    attempt_form(
        request,
        form,
        lambda data: services.household_restore(household=household, by=request.user),
        _("已恢复。"),
    )
    return redirect(household)
