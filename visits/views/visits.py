"""Visit pages: the list of a user's visits, one visit with its phone-sized form, photos."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from visits import queries, services
from visits.forms import VisitForm
from visits.models import Visit, VisitPhoto, VisitStatus
from visits.views.filters import town_filter
from zichuan_heating.decorators import role_required
from zichuan_heating.feedback import add_service_error
from zichuan_heating.scoping import get_for_user_or_404
from zichuan_heating.uploads import attachment_response

SORT_LABELS = [
    ("work", gettext_lazy("待回访在前")),
    ("recent", gettext_lazy("最近回访在前")),
    ("satisfaction", gettext_lazy("满意度从低到高")),
    ("name", gettext_lazy("户主姓名")),
]


@require_GET
@role_required("visits.view_visit")
def visit_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    season = request.GET.get("season", "")
    q = request.GET.get("q", "").strip()[:50]
    sort = request.GET.get("sort", "")
    town_id, towns = town_filter(request)
    qs = queries.visits_for_user(
        request.user, status=status, season=season, q=q, town_id=town_id, sort=sort
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/visit_list.html",
        {
            "page": page,
            "status": status,
            "season": season,
            "q": q,
            "statuses": VisitStatus.choices,
            "seasons": queries.seasons_sampled(),
            "town": town_id,
            "towns": towns,
            "sort": sort if sort in queries.VISIT_SORTS else "work",
            "sorts": SORT_LABELS,
        },
    )


def _findings(data: dict) -> services.Findings:
    fields = services.Findings.__dataclass_fields__
    return services.Findings(**{k: data.get(k) for k in fields if k in data})


@require_http_methods(["GET", "POST"])
@role_required("visits.view_visit")
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_for_user_or_404(
        Visit.objects.select_related("household__village", "town", "sample", "visited_by"),
        request.user,
        pk=pk,
    )
    posted = request.method == "POST"
    form = VisitForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST":
        if not request.user.has_perm("visits.record_visit"):
            raise PermissionDenied
        if form.is_valid():
            data = {**form.cleaned_data, "remarks": form.cleaned_data.get("remarks", "")}
            try:
                visit, cases = services.visit_record(
                    visit=visit,
                    by=request.user,
                    findings=_findings(data),
                    photos=form.cleaned_data.get("photos") or [],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("回访结果已登记。"))
                for case in cases:
                    messages.warning(
                        request,
                        _("发现问题，已自动生成工单 %(number)s：%(title)s")
                        % {"number": case.number, "title": case.title},
                    )
                return redirect(visit)
    context = {
        "visit": visit,
        "form": form,
        "photos": visit.photos.all(),
        "cases": visit.cases.for_user(request.user),
        "can_record": visit.status == VisitStatus.PENDING
        and request.user.has_perm("visits.record_visit")
        and request.user.town_id == visit.town_id,
    }
    response = render(request, "visits/visit_detail.html", context)
    # The one page that may ask for the phone's location (optional, on the visitor's tap).
    response.headers["Permissions-Policy"] = settings.PERMISSIONS_POLICY.replace(
        "geolocation=()", "geolocation=(self)"
    )
    return response


@require_GET
@role_required("visits.view_visit")
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(get_for_user_or_404(VisitPhoto, request.user, pk=pk))
