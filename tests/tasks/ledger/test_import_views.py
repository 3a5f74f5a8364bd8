"""The browser flow through Django's client: upload, report, preview, confirm, jobs, access."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from tasks.ledger.import_services import import_job_run
from tasks.models import Household, ImportJob, ImportState
from tests.access import battery
from tests.factories import UserFactory
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db


def upload(client, path, capture, **data):
    with capture(execute=True), open(path, "rb") as fh:
        return client.post(reverse("ledger:ledger_import"), {"file": fh, **data})


def test_upload_bad_rows_then_fix_and_confirm(
    tmp_path, client_for, official_a, ledger_setup, django_capture_on_commit_callbacks
):
    client = client_for(official_a)
    bad = xlsx(
        tmp_path / "bad.xlsx",
        [row(), row(id_number="123", head_name="甲"), row(id_number=IDS[2], route="烧煤")],
    )
    response = upload(client, bad, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.state, job.error_count, job.town_id) == (ImportState.INVALID, 2, official_a.town_id)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "校验发现 2 处错误，未写入任何数据" in page
    assert "身份证号应为18位，当前为3位。" in page
    assert "改造方式“烧煤”无效" in page
    assert Household.objects.count() == 0

    good = xlsx(tmp_path / "good.xlsx", [row(), row(id_number=IDS[1]), row(id_number=IDS[2])])
    upload(client, good, django_capture_on_commit_callbacks)
    job = ImportJob.objects.order_by("-id").first()
    assert (job.state, job.created_count) == (ImportState.READY, 3)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="count-created">3<' in page and "确认导入" in page
    assert Household.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledger:ledger_import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert Household.objects.filter(town=official_a.town).count() == 3
    assert Household.history.filter(history_user=official_a).count() == 3
    assert "导入完成" in client.get(job.get_absolute_url()).content.decode()

    # Confirming twice does nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:ledger_import_confirm", args=[job.pk]))
    assert Household.history.count() == 3


def test_an_unusable_upload_shows_the_reason(
    tmp_path, client_for, official_a, ledger_setup, django_capture_on_commit_callbacks
):
    path = tmp_path / "x.xlsx"
    path.write_text("hello")
    upload(client_for(official_a), path, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    page = client_for(official_a).get(job.get_absolute_url()).content.decode()
    assert "不是 Excel 工作簿" in page


def test_the_upload_page_shows_the_form_errors_without_a_file(client_for, official_a):
    response = client_for(official_a).post(reverse("ledger:ledger_import"), {})
    assert response.status_code == 200
    assert ImportJob.objects.count() == 0


@override_settings(LEDGER_IMPORT_ASYNC_ROWS=2)
def test_a_large_file_runs_as_a_job_with_progress(
    tmp_path, client_for, official_a, ledger_setup, django_capture_on_commit_callbacks
):
    client = client_for(official_a)
    path = xlsx(
        tmp_path / "big.xlsx", [row(id_number=IDS[i], head_name=f"户{i}") for i in range(5)]
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks, open(path, "rb") as fh:
        client.post(reverse("ledger:ledger_import"), {"file": fh})
    job = ImportJob.objects.get()
    assert (job.state, job.total_rows) == (ImportState.QUEUED, 5)
    progress = client.get(reverse("ledger:ledger_import_progress", args=[job.pk])).json()
    assert progress == {
        "state": "queued",
        "state_label": "排队中",
        "running": True,
        "processed": 0,
        "total": 5,
        "percent": 0,
    }
    assert "job-progress" in client.get(job.get_absolute_url()).content.decode()
    for callback in callbacks:
        callback()  # delay_on_commit: the (eager) Celery job runs now
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.READY, 5)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:ledger_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert (
        client.get(reverse("ledger:ledger_import_progress", args=[job.pk])).json()["percent"] == 100
    )
    assert Household.objects.count() == 5
    # A redelivered message finds the job done and writes nothing more.
    import_job_run(job_id=job.pk)
    assert Household.history.count() == 5


def make_job(user, tmp_path, programme):
    path = xlsx(tmp_path / "j.xlsx", [row()])
    return ImportJob.objects.create(
        programme=programme,
        town=user.town,
        created_by=user,
        file=SimpleUploadedFile("j.xlsx", path.read_bytes()),
        original_name="j.xlsx",
        state=ImportState.READY,
    )


def test_access_battery_on_every_import_url(tmp_path, cast, ledger_setup):
    job = make_job(cast["official_a"], tmp_path, ledger_setup)
    no_role = UserFactory(username="no-role")
    for name in ("ledger_import", "ledger_import_list"):
        battery(
            reverse(f"ledger:{name}"),
            ok=[cast["official_a"], cast["official_b"], cast["administrator"]],
            forbidden=[cast["district"], cast["finance"], no_role],
            wrong_method="put" if name == "ledger_import" else "post",
        )
    for name in ("ledger_import_detail", "ledger_import_progress"):
        battery(
            reverse(f"ledger:{name}", args=[job.pk]),
            ok=[cast["official_a"], cast["administrator"]],
            not_found=[cast["official_b"]],
            forbidden=[cast["district"], cast["finance"], no_role],
            wrong_method="post",
        )
    battery(
        reverse("ledger:ledger_import_confirm", args=[job.pk]),
        method="post",
        ok=[],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], no_role],
    )
    client = Client()
    client.force_login(cast["official_a"])
    assert client.get(reverse("ledger:ledger_import_confirm", args=[job.pk])).status_code == 405


def test_confirm_redirects_to_the_job(tmp_path, client_for, official_a, ledger_setup):
    job = make_job(official_a, tmp_path, ledger_setup)
    response = client_for(official_a).post(reverse("ledger:ledger_import_confirm", args=[job.pk]))
    assert response.status_code == 302 and response.url == job.get_absolute_url()


def test_the_import_list_shows_only_the_own_towns_jobs(
    tmp_path, client_for, official_a, official_b, ledger_setup
):
    make_job(official_a, tmp_path, ledger_setup)
    page = client_for(official_b).get(reverse("ledger:ledger_import_list")).content.decode()
    assert "j.xlsx" not in page
    assert (
        "j.xlsx"
        in client_for(official_a).get(reverse("ledger:ledger_import_list")).content.decode()
    )


def test_an_unexpected_failure_ends_as_a_failed_job_not_an_error_page(
    tmp_path, client_for, official_a, ledger_setup, monkeypatch, django_capture_on_commit_callbacks
):
    import tasks.ledger.import_services

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks.ledger.import_services, "validate", broken)
    path = xlsx(tmp_path / "a.xlsx", [row()])
    response = upload(client_for(official_a), path, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert job.message == "处理文件时出错，未写入任何数据。请联系系统管理员。"
    assert Household.objects.count() == 0
