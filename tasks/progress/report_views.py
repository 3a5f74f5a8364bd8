"""The progress reports page: requested PDF reports with their state, request, download."""

from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks.models import ReportJob, ReportState, Town
from tasks.progress.reports import report_file
from tasks.progress.services import report_job_request
from tasks.queries import active_programme
from zichuan_heating.decorators import role_required
from zichuan_heating.scoping import get_for_user_or_404


@require_GET
@role_required("tasks.view_reportjob")
def report_list(request: HttpRequest) -> HttpResponse:
    jobs = (
        ReportJob.objects.for_user(request.user)
        .select_related("programme", "town", "requested_by")
        .order_by("-created_at", "-id")
    )
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/reports/list.html",
        {
            "page": page,
            "programme": active_programme(),
            "towns": Town.objects.for_user(request.user).order_by("order", "code"),
            "may_request_district": request.user.sees_all_towns,
            "done": ReportState.DONE,
        },
    )


@require_POST
@role_required("tasks.add_reportjob")
def report_request(request: HttpRequest) -> HttpResponse:
    programme = active_programme()
    if programme is None:
        raise Http404
    code = request.POST.get("town", "")
    town = get_for_user_or_404(Town, request.user, code=code) if code else None
    job = report_job_request(by=request.user, programme=programme, town=town)
    messages.success(request, _("已提交生成%(title)s，完成后可在此下载。") % {"title": job.title})
    return redirect("progress:report_list")


@require_GET
@role_required("tasks.view_reportjob")
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user_or_404(
        ReportJob.objects.select_related("programme", "town"), request.user, pk=pk
    )
    path = report_file(job) if job.state == ReportState.DONE else None
    if path is None or not Path(path).is_file():
        raise Http404
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"{job.title}.pdf",
        content_type="application/pdf",
    )
