"""The progress reports page: access battery, scoped lists, requests and downloads."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import ReportJob, ReportKind, ReportState
from tests.access import battery

pytestmark = pytest.mark.django_db


def done_job(programme, town, reports_dir, user=None) -> ReportJob:
    job = ReportJob.objects.create(
        kind=ReportKind.TOWN if town else ReportKind.DISTRICT,
        programme=programme,
        town=town,
        requested_by=user,
    )
    name = f"report-{job.pk}.pdf"
    (reports_dir / name).write_bytes(b"%PDF-1.7 test file")
    ReportJob.objects.filter(pk=job.pk).update(state=ReportState.DONE, file_path=name)
    return job


def test_report_list_access_battery(cast):
    battery(
        reverse("progress:report_list"),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        forbidden=[cast["finance"]],
        wrong_method="post",
    )


def test_report_request_access_battery(cast, programme, town_a):
    battery(
        reverse("progress:report_request"),
        method="post",
        data={"town": "hongshan"},
        ok=[cast["official_a"], cast["district"]],
        ok_status=302,
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"]],
        wrong_method="get",
    )
    assert sorted(ReportJob.objects.values_list("town__code", "requested_by__username")) == [
        ("hongshan", "district"),
        ("hongshan", "official_a"),
    ]


def test_report_download_access_battery(cast, programme, town_a, reports_dir):
    job = done_job(programme, town_a, reports_dir, cast["official_a"])
    battery(
        reverse("progress:report_download", args=[job.pk]),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"]],
        wrong_method="post",
    )


def test_a_town_official_cannot_download_the_district_report(cast, programme, reports_dir):
    job = done_job(programme, None, reports_dir, cast["district"])
    battery(
        reverse("progress:report_download", args=[job.pk]),
        ok=[cast["district"]],
        not_found=[cast["official_a"], cast["official_b"]],
    )


def test_a_town_official_may_not_request_the_district_report(cast, programme):
    client = Client()
    client.force_login(cast["official_a"])
    response = client.post(reverse("progress:report_request"), {"town": ""})
    assert response.status_code == 403
    assert ReportJob.objects.count() == 0


def test_requesting_a_report_renders_it_and_the_list_offers_the_download(
    cast, programme, reports_dir, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast["district"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("progress:report_request"), {"town": ""}, follow=True)
    job = ReportJob.objects.get()
    assert (job.kind, job.town, job.requested_by, job.state) == (
        ReportKind.DISTRICT,
        None,
        cast["district"],
        ReportState.DONE,
    )
    assert "已提交生成" in response.content.decode()
    page = client.get(reverse("progress:report_list")).content.decode()
    assert reverse("progress:report_download", args=[job.pk]) in page
    assert "已完成" in page
    download = client.get(reverse("progress:report_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]
    assert Path(reports_dir / job.file_path).exists()


def test_the_list_shows_only_the_officials_own_town(cast, programme, town_a, town_b, reports_dir):
    mine = done_job(programme, town_a, reports_dir, cast["official_a"])
    theirs = done_job(programme, town_b, reports_dir, cast["official_b"])
    district = done_job(programme, None, reports_dir, cast["district"])
    client = Client()
    client.force_login(cast["official_a"])
    page = client.get(reverse("progress:report_list")).content.decode()
    assert f'data-job="{mine.pk}"' in page
    assert f'data-job="{theirs.pk}"' not in page
    assert f'data-job="{district.pk}"' not in page
    # The request form offers only their own town, and no district report.
    assert '<option value="hongshan">' in page
    assert '<option value="kunlun">' not in page
    assert "全区进度报告</option>" not in page


def test_a_job_not_done_has_no_download(cast, programme, town_a, reports_dir, client_for):
    job = ReportJob.objects.create(kind=ReportKind.TOWN, programme=programme, town=town_a)
    response = client_for(cast["official_a"]).get(
        reverse("progress:report_download", args=[job.pk])
    )
    assert response.status_code == 404


def test_the_nav_has_the_progress_reports_entry_for_those_allowed(cast, client_for):
    assert (
        "进度报告"
        in client_for(cast["official_a"]).get(reverse("progress:dashboard")).content.decode()
    )
    assert (
        "进度报告"
        not in client_for(cast["finance"]).get(reverse("progress:dashboard")).content.decode()
    )
