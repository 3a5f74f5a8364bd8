"""Ledger import and export pages: template download, upload, report, preview, confirm, export."""

import logging
import tempfile

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks.ledger import queries
from tasks.ledger.exporting import write_ledger, write_template
from tasks.ledger.filters import HouseholdFilter
from tasks.ledger.import_services import import_job_confirm, import_job_create
from tasks.ledger.services import id_number_export_record
from tasks.models import IdNumberView, ImportJob, ImportState, Town
from tasks.queries import active_programme_or_404
from zichuan_heating.decorators import role_required
from zichuan_heating.downloads import xlsx_response
from zichuan_heating.feedback import flash_errors
from zichuan_heating.scoping import get_for_user_or_404

log = logging.getLogger("zichuan.ledger")
ERRORS_PER_PAGE = 50


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx）"))
    create_villages = forms.BooleanField(
        label=gettext_lazy("登记新的村（居）：文件中本镇（街道）尚未登记的村，导入时一并登记"),
        required=False,
    )


@require_GET
@role_required("tasks.import_household")
def ledger_template(request: HttpRequest) -> HttpResponse:
    towns = [t.name for t in Town.objects.for_user(request.user)]
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_template(spool, town_names=towns)
    return xlsx_response(spool, "台账导入模板.xlsx")


@require_http_methods(["GET", "POST"])
@role_required("tasks.import_household")
def ledger_import(request: HttpRequest) -> HttpResponse:
    programme = active_programme_or_404()
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                by=request.user,
                programme=programme,
                upload=form.cleaned_data["file"],
                create_villages=form.cleaned_data["create_villages"],
            )
        except ValidationError as e:
            form.add_error("file", e)
        else:
            return redirect(job)
    return render(
        request,
        "tasks/ledger_io/upload.html",
        {
            "form": form,
            "programme": programme,
            "max_rows": settings.LEDGER_IMPORT_MAX_ROWS,
            "recent": ImportJob.objects.for_user(request.user).select_related("created_by")[:5],
        },
    )


@require_GET
@role_required("tasks.import_household")
def ledger_import_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.for_user(request.user).select_related("created_by", "town")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "tasks/ledger_io/list.html", {"page": page, "jobs": page.object_list})


@require_GET
@role_required("tasks.import_household")
def ledger_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user_or_404(
        ImportJob.objects.select_related("created_by", "town"), request.user, pk=pk
    )
    errors_page = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/ledger_io/detail.html",
        {
            "job": job,
            "page": errors_page,
            "errors": errors_page.object_list,
            "States": ImportState,
            "more_errors": max(job.error_count - len(job.errors), 0),
        },
    )


@require_GET
@role_required("tasks.import_household")
def ledger_import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_for_user_or_404(ImportJob, request.user, pk=pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "running": job.is_running,
            "processed": job.processed_rows,
            "total": job.total_rows,
            "percent": job.percent,
        }
    )


@require_POST
@role_required("tasks.import_household")
def ledger_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user_or_404(ImportJob, request.user, pk=pk)
    try:
        import_job_confirm(job=job, by=request.user)
    except ValidationError as e:
        flash_errors(request, e)
    return redirect(job)


@never_cache  # the file may carry full ID numbers
@require_GET
@role_required("tasks.view_household")
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger as the list shows it (same filters), in the import template's columns."""
    programme = active_programme_or_404()
    user = request.user
    base = queries.households_for_user(user, programme)
    filterset = HouseholdFilter(request.GET, queryset=base, user=user)
    if not filterset.is_valid():
        raise Http404
    households = filterset.qs.select_related("town", "village", "equipment", "contractor")
    full_ids = user.has_perm("tasks.view_full_id_number")
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    count = write_ledger(spool, households.iterator(chunk_size=2000), full_ids=full_ids)
    if full_ids:
        log.info("ledger export with full ID numbers: user=%s rows=%d", user.pk, count)
        sees_all = user.sees_all_towns
        id_number_export_record(
            by=user,
            context=IdNumberView.Context.LEDGER_EXPORT,
            town=filterset.form.cleaned_data.get("town") or (None if sees_all else user.town),
            count=count,
            filters={k: v for k in filterset.filters if (v := request.GET.get(k))},
        )
    name = _("改造户台账") + f"-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(spool, name)
