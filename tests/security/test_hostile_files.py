"""Hostile files through every upload that takes one: the ledger import (page, command, Celery
job), the bank return (page) and the acceptance attachments. Each file gets a Chinese message,
never a 500 or a traceback, and nothing is written: no household, no payment, no file kept."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from acceptance.services.attachments import attachment_errors
from subsidies import services as subsidies
from subsidies.models import BatchLine, DisbursementBatch
from subsidies.services import standards_load
from tasks.ledger.jobs import ledger_import_job
from tasks.models import Household, ImportJob, ImportState
from tests.factories import EquipmentModelFactory
from tests.security import hostile
from tests.security.hostile import HOSTILE, files_in
from tests.subsidies.helpers import accepted_household, bank_return_file
from tests.tasks.ledger import ledger_files
from tests.tasks.ledger.ledger_files import row, xlsx

pytestmark = pytest.mark.django_db
ledger_setup = ledger_files.ledger_setup  # the ledger tests' fixture, used here too
media = hostile.media
CASES = pytest.mark.parametrize("name,build,message", HOSTILE, ids=[h[0] for h in HOSTILE])


def hostile_ledger(tmp_path, build) -> Path:
    return build(xlsx(tmp_path / "good.xlsx", [row()]), tmp_path / "hostile.xlsx")


@CASES
def test_the_ledger_upload_page(
    name, build, message, tmp_path, media, client_for, official_a, ledger_setup,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    path = hostile_ledger(tmp_path, build)
    client = client_for(official_a)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as fh:
        response = client.post(reverse("ledger:ledger_import"), {"file": fh}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED and message in job.message
    assert Household.objects.count() == 0
    assert files_in(media) == []


@CASES
def test_the_import_ledger_command(name, build, message, tmp_path, ledger_setup, capsys):
    path = hostile_ledger(tmp_path, build)
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_ledger", str(path), "--programme", "2021")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert Household.objects.count() == 0


@CASES
def test_the_ledger_import_job(name, build, message, tmp_path, media, official_a, ledger_setup):
    path = hostile_ledger(tmp_path, build)
    job = ImportJob(programme=ledger_setup, town=official_a.town, created_by=official_a)
    job.original_name = path.name
    job.file.save("hostile.xlsx", ContentFile(path.read_bytes()), save=True)
    ledger_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert message in job.message
    assert Household.objects.count() == 0
    assert files_in(media) == []


@pytest.fixture
def exported_batch(programme, town_a, finance, finance2):
    standards_load()
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26", price_cap=Decimal("4200.00"))
    accepted_household(programme=programme, town=town_a, equipment=boiler)
    subsidies.schedules_generate(programme=programme)
    batch = subsidies.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    subsidies.batch_approve(batch=batch, by=finance2)
    subsidies.batch_mark_exported(batch=batch, by=finance2)
    batch.refresh_from_db()
    return batch


@CASES
def test_the_bank_return_page(
    name, build, message, tmp_path, client_for, finance, exported_batch
):  # fmt: skip
    line = exported_batch.lines.first()
    good = tmp_path / "return.xlsx"
    good.write_bytes(bank_return_file([(line.pk, "", "成功", "")]).getvalue())
    path = build(good, tmp_path / "hostile.xlsx")
    url = reverse("subsidies:bank_return", args=[exported_batch.pk])
    with path.open("rb") as fh:
        response = client_for(finance).post(url, {"file": fh}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    before = (exported_batch.state, exported_batch.total_amount)
    exported_batch.refresh_from_db()
    assert (exported_batch.state, exported_batch.total_amount) == before
    assert set(BatchLine.objects.values_list("state", flat=True)) == {line.state}
    assert DisbursementBatch.objects.count() == 1


@CASES
def test_the_acceptance_attachments_take_no_office_file(name, build, message, tmp_path):
    # Attachments are photos and scans only (sniffed JPEG, PNG or PDF): no workbook gets in.
    path = hostile_ledger(tmp_path, build)
    upload = SimpleUploadedFile("整改照片.xlsx", path.read_bytes())
    assert attachment_errors([upload]) == ["附件“整改照片.xlsx”不是 JPEG、PNG 照片或 PDF 扫描件。"]


def test_a_good_file_still_passes_every_check(tmp_path, ledger_setup):
    # The hostile files above are made from this one: it is their only difference.
    out = io.StringIO()
    call_command(
        "import_ledger", str(xlsx(tmp_path / "good.xlsx", [row()])), "--programme", "2021",
        "--dry-run", stdout=out,
    )  # fmt: skip
    assert "将新增 1 户" in out.getvalue()
