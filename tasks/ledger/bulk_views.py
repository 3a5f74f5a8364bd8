"""The ledger's bulk page: from the list's selection to one confirmation, then the results.

POST only. The first post (from the list) shows the count, a sample and the action's one
value with the box to tick; the second (with `apply`) runs the action and lists every refusal.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks.ledger import bulk
from tasks.ledger.bulk_forms import BulkActionForm, BulkSelectionForm
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import flash_errors

SAMPLE_SIZE = 10


def _back(selection: BulkSelectionForm) -> str:
    query = selection.data.get("filter_query", "")
    return reverse("ledger:household_list") + (f"?{query}" if query else "")


@require_POST
@role_required("tasks.change_household")
def household_bulk(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    selection = BulkSelectionForm(request.POST)
    if not selection.is_valid():
        flash_errors(request, ValidationError(selection.errors.get("__all__") or _("请求无效。")))
        return redirect(_back(selection))
    chosen = selection.cleaned_data
    action = chosen["action"]
    households = bulk.selected_households(
        request.user,
        programme,
        ids=chosen["ids"],
        all_matching=chosen["all_matching"],
        filter_query=chosen["filter_query"],
    )
    count = households.count()
    if count == 0 and not chosen["all_matching"]:
        raise Http404  # ticked ids none of which the user may see: another town's
    if count == 0:
        messages.error(request, _("所选范围内没有改造户。"))
        return redirect(_back(selection))
    form = BulkActionForm(request.POST if "apply" in request.POST else None, action=action)
    context = {
        "action": action,
        "action_label": bulk.BulkAction(action).label,
        "selection": selection,
        "count": count,
        "limit": bulk.BULK_LIMIT,
        "too_many": count > bulk.BULK_LIMIT,
        "back": _back(selection),
    }
    if form.is_bound and form.is_valid() and count <= bulk.BULK_LIMIT:
        try:
            result = bulk.households_bulk(
                households=households, action=action, by=request.user, **form.params()
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return render(
                request, "tasks/households/bulk_results.html", {**context, "result": result}
            )
    sample = list(households[:SAMPLE_SIZE])
    return render(
        request, "tasks/households/bulk_confirm.html", {**context, "form": form, "sample": sample}
    )
