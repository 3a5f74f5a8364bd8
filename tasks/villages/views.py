"""Village pages (村（居）管理): list with search, add, a village's history, rename, merge."""

from functools import partial

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tasks.models import Town
from tasks.villages import queries as vq
from tasks.villages import services as vs
from tasks.villages.forms import VillageAddForm, VillageMergeForm, VillageRenameForm
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error, attempt
from zichuan_heating.scoping import get_for_user_or_404


def _may_edit(request: HttpRequest, village) -> bool:
    user = request.user
    return user.has_perm("tasks.change_village") and user.town_id in (None, village.town_id)


@role_required("tasks.view_village_register")
@require_GET
def village_list(request: HttpRequest) -> HttpResponse:
    town = None
    if code := request.GET.get("town"):
        town = get_for_user_or_404(Town, request.user, code=code)
    q = request.GET.get("q", "")
    villages = vq.villages_for_user(request.user, town_id=town.pk if town else None, q=q)
    page = Paginator(villages, vq.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/villages/list.html",
        {
            "page": page,
            "q": q,
            "town": town,
            "towns": Town.objects.for_user(request.user),
            "can_add": request.user.has_perm("tasks.add_village"),
        },
    )


@role_required("tasks.add_village")
@require_http_methods(["GET", "POST"])
def village_add(request: HttpRequest) -> HttpResponse:
    towns = Town.objects.for_user(request.user)
    form = VillageAddForm(request.POST or None, towns=towns, own_town=request.user.town)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: vs.village_add(by=request.user, **form.cleaned_data),
            lambda village: _("已添加村（居）“%(name)s”。") % {"name": village.name},
            refused=partial(add_service_error, form),
        )
    ):
        return redirect("villages:list")
    return render(request, "tasks/villages/add.html", {"form": form})


@role_required("tasks.view_village_register")
@require_GET
def village_detail(request: HttpRequest, pk: int) -> HttpResponse:
    village = vq.village_for_user_or_404(request.user, pk)
    return render(
        request,
        "tasks/villages/detail.html",
        {
            "village": village,
            "history": vq.village_history(village),
            "can_edit": _may_edit(request, village),
        },
    )


@role_required("tasks.change_village")
@require_http_methods(["GET", "POST"])
def village_rename(request: HttpRequest, pk: int) -> HttpResponse:
    village = vq.village_for_user_or_404(request.user, pk)
    form = VillageRenameForm(request.POST or None, initial={"name": village.name})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: vs.village_rename(
                by=request.user, village=village, name=form.cleaned_data["name"]
            ),
            _("村（居）已更名，原名称保留在修改记录中。"),
            refused=partial(add_service_error, form),
        )
    ):
        return redirect("villages:detail", village.pk)
    return render(request, "tasks/villages/rename.html", {"village": village, "form": form})


@role_required("tasks.change_village")
@require_http_methods(["GET", "POST"])
def village_merge(request: HttpRequest, pk: int) -> HttpResponse:
    village = vq.village_for_user_or_404(request.user, pk)
    form = VillageMergeForm(request.POST or None, targets=vq.merge_targets(village))
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        if attempt(
            request,
            lambda: vs.village_merge(by=request.user, source=village, target=target),
            _("“%(source)s”已并入“%(target)s”。") % {"source": village.name, "target": target.name},
            refused=partial(add_service_error, form),
        ):
            return redirect("villages:detail", target.pk)
    counts = vq.villages_for_user(request.user, town_id=village.town_id).get(pk=village.pk)
    return render(request, "tasks/villages/merge.html", {"village": counts, "form": form})
