"""PDF progress reports: text read back, fonts embedded, the idempotent job, the weekly mail."""

import datetime
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from tasks.models import HouseholdStatus, ReportJob, ReportKind, ReportState
from tasks.progress.reports import (
    annex_record,
    district_context,
    report_job_run,
    weekly_district_report_send,
)
from tests.tasks.progress.conftest import add_households, pdf_fonts, pdf_text, plan_line

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2021, 8, 23)


@pytest.fixture
def ledger(programme, town_a, town_b, approved_plan_a):
    """洪山镇: 40 accepted, 60 built, 20 contracted, 5 withdrawn (by two villages); 昆仑镇: 10
    surveyed. Plan approved for 洪山镇 only."""
    add_households(programme, town_a, HouseholdStatus.ACCEPTED, 40, village="东村")
    add_households(programme, town_a, HouseholdStatus.BUILT, 60, village="西村")
    add_households(programme, town_a, HouseholdStatus.CONTRACTED, 20, village="西村")
    add_households(programme, town_a, HouseholdStatus.WITHDRAWN, 5, village="西村")
    add_households(programme, town_b, HouseholdStatus.SURVEYED, 10)
    return town_a, town_b


def test_the_district_report_reads_back_with_its_chinese_title_and_figures(
    programme, ledger, tmp_path
):
    out = tmp_path / "district.pdf"
    call_command("progress_report", "--programme", "2021", "--out", str(out), stdout=io.StringIO())
    text = pdf_text(out)
    assert "淄川区2021年冬季清洁取暖 全区进度报告" in text
    # 洪山镇: quota 458; cumulative: registered 120, contracted 120, started 100, built 100,
    # accepted 40 (withdrawn households never count); current: 0 surveyed, 20 awaiting the
    # start, 0 under construction, 60 awaiting acceptance.
    hongshan = next(line for line in text.splitlines() if line.strip().startswith("洪山镇 "))
    assert re.split(r"\s+", hongshan.strip()) == [
        "洪山镇", "458", "120", "26.2%", "120", "26.2%", "100", "21.8%", "100", "21.8%", "40",
        "8.7%", "0", "20", "0", "60",
    ]  # fmt: skip
    kunlun = next(line for line in text.splitlines() if line.strip().startswith("昆仑镇 "))
    assert re.split(r"\s+", kunlun.strip())[:4] == ["昆仑镇", "500", "10", "2.0%"]
    total = next(line for line in text.splitlines() if line.strip().startswith("全区合计"))
    assert re.split(r"\s+", total.strip())[:4] == ["全区合计", "2198", "130", "5.9%"]
    assert "时间节点完成情况" in text
    assert "完工率与验收率" in text
    assert "建设任务 458 户，已完工 100 户，还差 358 户" in text
    # Only 洪山镇 has an approved plan: 1 of 9 met.
    assert re.search(r"实施方案\s+6月15日.*\s1\s*/\s*9\n", text)


def test_the_district_report_lists_supervision_notices_not_yet_closed(
    programme, ledger, tmp_path, district
):
    import datetime

    from tasks.plans.services import notice_issue

    _, town_b = ledger
    notice_issue(
        programme=programme,
        town=town_b,
        by=district,
        title="昆仑镇改造进度滞后",
        problem="已完工户数低于计划进度。",
        deadline=datetime.date.today() + datetime.timedelta(days=10),
    )
    out = tmp_path / "district.pdf"
    call_command("progress_report", "--programme", "2021", "--out", str(out), stdout=io.StringIO())
    text = pdf_text(out)
    assert "未办结的督办事项" in text
    line = next(line for line in text.splitlines() if "昆仑镇改造进度滞后" in line)
    assert "待整改" in line


def test_the_pdf_embeds_the_noto_cjk_fonts(programme, ledger, tmp_path):
    out = tmp_path / "district.pdf"
    call_command("progress_report", "--programme", "2021", "--out", str(out), stdout=io.StringIO())
    fonts = pdf_fonts(out).splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    assert any("Noto-Sans-CJK-SC" in line for line in fonts), fonts
    # Columns: name type encoding emb sub uni object ID: every font is embedded.
    assert all(line.split()[-5] == "yes" for line in fonts), fonts


def test_the_town_report_has_villages_and_a_masked_household_annex(
    programme, ledger, tmp_path, town_a, approved_plan_a
):
    plan_line(approved_plan_a, "东村", 48)
    plan_line(approved_plan_a, "西村", 70)
    plan_line(approved_plan_a, "西村", 30, route="electric")
    out = tmp_path / "town.pdf"
    call_command(
        "progress_report",
        "--programme",
        "2021",
        "--town",
        "hongshan",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    text = pdf_text(out)
    assert "淄川区2021年冬季清洁取暖 洪山镇进度报告" in text
    assert "附件：洪山镇改造户明细（共 125 户，身份证号已脱敏）" in text
    # Village rows: the task is the approved plan's households, registered beside it, the
    # percentages against the task; 东村 40 accepted of 48, 西村 80 registered (+5 out) of 100.
    assert re.search(r"^\s*东村\s+48\s+40\s+40\s+83.3%\s+40\s+83.3%", text, re.M)
    assert re.search(r"^\s*西村\s+100\s+80\s+80\s+80.0%\s+60\s+60.0%\s+60\s+60.0%", text, re.M)
    full_ids = list(town_a.households.values_list("id_number", flat=True))
    assert not any(i in text for i in full_ids)
    masked = full_ids[0][:6] + "********" + full_ids[0][-4:]
    assert masked in text
    assert "昆仑镇 " not in text


def test_an_annex_record_pads_chinese_to_fixed_columns():
    record = annex_record(7, "东村", "王伟", "370302199001011234", "gas", "built")
    assert record == "    7 东村     王伟   370302********1234 气代煤   已完工"


def test_a_report_job_renders_once_and_a_second_run_does_nothing(programme, ledger, reports_dir):
    job = ReportJob.objects.create(kind=ReportKind.DISTRICT, programme=programme)
    path = Path(report_job_run(job.pk))
    job.refresh_from_db()
    assert job.state == ReportState.DONE
    assert job.file_path == f"report-{job.pk}.pdf"
    assert job.attempts == 1
    assert job.finished_at is not None
    assert path.read_bytes().startswith(b"%PDF")
    mtime = path.stat().st_mtime_ns
    assert report_job_run(job.pk) == str(path)
    job.refresh_from_db()
    assert job.attempts == 1
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in reports_dir.glob("*.pdf")) == [path.name]
    assert list((reports_dir / "tmp").iterdir()) == []


def test_a_done_job_whose_file_vanished_is_rendered_again(programme, ledger, reports_dir):
    job = ReportJob.objects.create(kind=ReportKind.DISTRICT, programme=programme)
    Path(report_job_run(job.pk)).unlink()
    path = Path(report_job_run(job.pk))
    job.refresh_from_db()
    assert path.exists()
    assert (job.state, job.attempts) == (ReportState.DONE, 2)


def test_a_failed_render_marks_the_job_failed_and_leaves_no_file(
    programme, ledger, reports_dir, settings
):
    settings.REPORTS_DIR = reports_dir
    job = ReportJob.objects.create(kind=ReportKind.DISTRICT, programme=programme)
    (reports_dir / "tmp").mkdir(parents=True)
    (reports_dir / f"report-{job.pk}.pdf").mkdir()  # the rename onto a directory fails
    with pytest.raises(OSError):
        report_job_run(job.pk)
    job.refresh_from_db()
    assert job.state == ReportState.FAILED
    assert job.error
    assert list((reports_dir / "tmp").iterdir()) == []


def test_a_job_that_keeps_dying_is_given_up_after_five_attempts(programme, reports_dir):
    job = ReportJob.objects.create(
        kind=ReportKind.DISTRICT, programme=programme, state=ReportState.RUNNING, attempts=5
    )
    assert report_job_run(job.pk) == ""
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error) == (
        ReportState.FAILED,
        5,
        "多次尝试仍未生成，已停止。",
    )
    assert not reports_dir.exists() or list(reports_dir.glob("*.pdf")) == []


def test_the_subsidy_section_is_what_the_subsidies_app_registered(programme, ledger, monkeypatch):
    from subsidies.queries import amounts_by_season
    from tasks.progress import sections

    context = district_context(programme, TODAY)
    assert context["subsidies"] == amounts_by_season(programme, town_id=None)
    monkeypatch.setattr(sections, "_SECTIONS", {})
    assert district_context(programme, TODAY)["subsidies"] is None


def test_the_weekly_district_report_is_mailed_to_the_district_office_with_the_pdf(
    programme, ledger, reports_dir, district, official_a, smtp_server
):
    job_id = weekly_district_report_send(programme=programme, today=TODAY)
    assert len(smtp_server.received) == 1
    to, message = smtp_server.received[0]
    assert to == ["district@zichuan.local"]
    assert smtp_server.subject(message) == (
        "【进度周报】淄川区2021年冬季清洁取暖 全区进度报告（2021-08-23）"
    )
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["全区进度报告-2021-08-23.pdf"]
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF")
    assert ReportJob.objects.get(pk=job_id).state == ReportState.DONE
    # Sending again the same day (a rerun, a second beat) reuses the day's job and mails
    # nothing more.
    assert weekly_district_report_send(programme=programme, today=TODAY) == job_id
    assert ReportJob.objects.count() == 1
    assert len(smtp_server.received) == 1


def test_weekly_district_report_job_runs_through_celery(programme, ledger, reports_dir, district):
    from tasks.progress.jobs import weekly_district_report_job

    weekly_district_report_job.delay().get()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["district@zichuan.local"]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"


def test_the_tables_page_rendered_to_png_is_not_blank(programme, ledger, tmp_path):
    from PIL import Image

    out = tmp_path / "district.pdf"
    call_command("progress_report", "--programme", "2021", "--out", str(out), stdout=io.StringIO())
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-gray",
            "-f",
            "2",
            "-l",
            "2",
            str(out),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("p-*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    # Page 2 holds the milestone and progress tables and the chart: plenty of ink.
    assert dark / (image.width * image.height) > 0.01
