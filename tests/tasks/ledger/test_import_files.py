"""Hostile and broken files: each gets a clear Chinese message, nothing is written, no 500."""

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import override_settings
from django.urls import reverse

import tasks.ledger.import_services
import tasks.ledger.importing
import zichuan_heating.spreadsheets
from tasks.ledger.import_services import import_job_confirm, import_job_create, import_job_run
from tasks.ledger.importing import HEADERS, Scope, UnusableFile, import_ledger
from tasks.models import Household, ImportJob, ImportState
from tests.security import hostile as hostile_files
from tests.security.hostile import SHEET, files_in, rewrite
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db
media = hostile_files.media  # a fixture: an empty MEDIA_ROOT of the test's own


def refused(path, programme) -> str:
    with pytest.raises(UnusableFile) as info:
        import_ledger(path, programme=programme, scope=Scope(None))
    assert Household.objects.count() == 0
    return info.value.message


def test_a_renamed_text_file_is_not_an_xlsx(tmp_path, ledger_setup):
    path = tmp_path / "ledger.xlsx"
    path.write_text("镇（街道）,村（居）\n洪山镇,东村\n", encoding="utf-8")
    assert refused(path, ledger_setup) == (
        "该文件不是 Excel 工作簿（.xlsx）。请使用下载的模板填写，另存为 .xlsx 后上传。"
    )


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path, ledger_setup):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "不是 Excel 工作簿" in refused(path, ledger_setup)


def test_a_truncated_zip_is_reported_as_damaged(tmp_path, ledger_setup):
    good = xlsx(tmp_path / "good.xlsx", [row()])
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[:200])
    assert refused(path, ledger_setup) == "文件已损坏，请重新保存后上传"


def test_an_encrypted_workbook_asks_to_remove_the_password(tmp_path, ledger_setup):
    # Excel saves a password-protected workbook as an OLE compound file (CFB).
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    assert "已加密" in refused(path, ledger_setup)


def test_an_empty_file_is_refused(tmp_path, ledger_setup):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert refused(path, ledger_setup) == "文件是空的，请上传填写好的台账 xlsx 文件。"


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path, ledger_setup):
    good = xlsx(tmp_path / "good.xlsx", [row()])
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        # 50 MB of zeros packs into about 50 KB: a ratio of about 1000.
        dst.writestr("xl/media/padding.bin", b"\x00" * (50 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    assert "压缩炸弹" in refused(path, ledger_setup)


def test_a_workbook_without_the_ledger_sheet_names_it(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row()], sheet="Sheet1")
    assert refused(path, ledger_setup) == (
        "找不到名为“台账”的工作表。请使用下载的模板，不要修改工作表名称。"
    )


def test_missing_required_headers_are_named(tmp_path, ledger_setup):
    headers = [h if h not in ("身份证号", "改造方式") else f"{h}备注" for h in HEADERS]
    path = xlsx(tmp_path / "a.xlsx", [row()], headers=headers)
    message = refused(path, ledger_setup)
    assert "缺少必需的列：身份证号、改造方式" in message
    assert "第 1 行" in message


def test_duplicate_headers_are_named(tmp_path, ledger_setup):
    headers = [*HEADERS, "联系电话"]
    assert "列重复：联系电话" in refused(
        xlsx(tmp_path / "a.xlsx", [row()], headers=headers), ledger_setup
    )


def test_merged_header_cells_are_reported_as_missing_columns(tmp_path, ledger_setup):
    path = tmp_path / "merged.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADERS)
    ws.merge_cells("C1:D1")  # 户主姓名 and 身份证号 merged: 身份证号 disappears
    ws.append(row())
    wb.save(path)
    message = refused(path, ledger_setup)
    assert "缺少必需的列：身份证号" in message
    assert "不要合并单元格" in message


def test_no_header_row_at_all_is_unusable(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [["a", "b"]], headers=["x", "y"])
    assert "找不到“台账”工作表的表头行" in refused(path, ledger_setup)


def test_spaces_and_full_width_in_headers_are_tolerated(tmp_path, ledger_setup, town_a):
    headers = [f" {h.replace('（', '(').replace('）', ')')} " for h in HEADERS]
    headers[2] = "户 主 姓 名"
    outcome = import_ledger(
        xlsx(tmp_path / "a.xlsx", [row()], headers=headers),
        programme=ledger_setup,
        scope=Scope(None),
    )
    assert outcome.errors == [] and outcome.created == 1


def test_a_header_only_file_says_there_are_no_rows(tmp_path, ledger_setup):
    outcome = import_ledger(
        xlsx(tmp_path / "a.xlsx", []), programme=ledger_setup, scope=Scope(None)
    )
    assert [e.as_dict() for e in outcome.errors] == [
        {"row": None, "column": "", "message": "表头下面没有数据行：请从第 2 行起填写。"}
    ]
    assert Household.objects.count() == 0


@override_settings(LEDGER_IMPORT_MAX_ROWS=5)
def test_more_rows_than_allowed_are_refused_before_parsing(tmp_path, ledger_setup):
    rows = [row(id_number=IDS[i]) for i in range(20)]
    message = refused(xlsx(tmp_path / "a.xlsx", rows), ledger_setup)
    assert "单个文件最多 5 行" in message


def test_formula_cells_are_refused_with_row_and_column(tmp_path, ledger_setup):
    path = tmp_path / "formula.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, HEADERS)
    for col, value in enumerate(row()):
        if value is not None:
            ws.write_string(1, col, str(value))
    ws.write_formula(1, 6, "=1+2", None, 3)  # 家庭人口 as a formula with a cached 3
    wb.close()
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope(None))
    assert [e.as_dict() for e in outcome.errors] == [
        {
            "row": 2,
            "column": "家庭人口",
            "message": "该单元格是公式。请复制后“选择性粘贴为数值”，再导入。",
        }
    ]
    assert Household.objects.count() == 0


def written(path, values):
    """A workbook whose cells are all text cells (xlsxwriter's write_string, never a formula)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, HEADERS)
    for col, value in enumerate(values):
        if value is not None:
            ws.write_string(1, col, str(value))
    wb.close()
    return path


def test_a_formula_written_by_openpyxl_is_refused_too(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(address="=cmd|' /C calc'!A0")])
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope(None))
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "家庭住址")]
    assert "公式" in outcome.errors[0].message


def test_text_starting_with_equals_is_an_error(tmp_path, ledger_setup):
    path = written(tmp_path / "a.xlsx", row(address="=cmd|' /C calc'!A0"))
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope(None))
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "家庭住址")]
    assert "“=”开头" in outcome.errors[0].message


def test_control_characters_are_stripped(tmp_path, ledger_setup):
    path = written(
        tmp_path / "ctrl.xlsx", row(head_name="王\x07建国\u200b", notes="第一行\x1b[31m")
    )
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope(None))
    assert outcome.errors == []
    h = Household.objects.get()
    assert (h.head_name, h.notes) == ("王建国", "第一行[31m")


def test_formulas_and_rows_are_found_across_read_chunks(tmp_path, ledger_setup, monkeypatch):

    path = tmp_path / "many.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, HEADERS)
    for r in range(1, 41):
        for col, value in enumerate(row(id_number=IDS[r])):
            if value is not None:
                ws.write_string(r, col, str(value))
        if r % 7 == 0:
            ws.write_formula(r, 6, "=2+1", None, 3)
    wb.close()
    monkeypatch.setattr(zichuan_heating.spreadsheets, "SCAN_CHUNK", 97)  # cut tags everywhere
    facts = tasks.ledger.importing.inspect_file(path)
    assert facts.data_rows_upper_bound == 41
    assert facts.formula_cells == [(r + 1, 6) for r in range(7, 41, 7)]


def test_a_formula_in_the_very_last_cell_is_found(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1], notes="=1+1")])
    outcome = import_ledger(path, programme=ledger_setup, scope=Scope(None))
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "备注")]


# ---------------------------------------------------------------- a sheet's real extent


def sheet_changed(tmp_path, old: bytes, new: bytes, rows=None) -> Path:
    good = xlsx(tmp_path / "good.xlsx", rows or [row()])
    return rewrite(good, tmp_path / "changed.xlsx", change={SHEET: lambda d: d.replace(old, new)})


FAR_CELLS = [
    # (what replaces the first `</row>`, or the end of the sheet data, and the message part)
    ('<c r="XFD1048576"><v>1</v></c></row>', "第 XFD 列"),  # in row 1: its reference counts
    ('<c r="A1048576"><v>1</v></c></row>', "第 1048576 行，单个文件最多 200000 行"),
    ('<c r="A999999"><v>1</v></c></row>', "第 999999 行"),
    ('<c r="AO1"><v>1</v></c></row>', "第 AO 列，超出允许的 40 列"),
    ('<c r="xfd5"><v>1</v></c></row>', "第 XFD 列"),
    ('<c r="A0001048576"><v>1</v></c></row>', "第 1048576 行"),
    ("<c r='XFD1'><v>1</v></c></row>", "第 XFD 列"),
    ('<c s="0" r="XFD1"><v>1</v></c></row>', "第 XFD 列"),
    ('<x:c xmlns:x="urn:x" r="XFD1"><x:v>1</x:v></x:c></row>', "第 XFD 列"),
    ("</row><row>" + "<c><v>1</v></c>" * 41 + "</row>", "第 AO 列"),
    ('</row><row r="1048575"/><row><c><v>1</v></c></row>', "第 1048576 行"),
]


@pytest.mark.parametrize("far,message", FAR_CELLS)
def test_a_cell_beyond_the_limits_is_refused_before_reading(far, message, tmp_path, ledger_setup):
    path = sheet_changed(tmp_path, b"</row>", far.encode())
    assert message in refused(path, ledger_setup)


@pytest.mark.parametrize("far,message", FAR_CELLS[:4])
def test_far_cells_are_found_across_read_chunks(far, message, tmp_path, ledger_setup, monkeypatch):
    rows = [row(id_number=IDS[i]) for i in range(30)]
    path = sheet_changed(tmp_path, b"</sheetData>", f"<row>{far}</sheetData>".encode(), rows)
    monkeypatch.setattr(zichuan_heating.spreadsheets, "SCAN_CHUNK", 97)
    assert message in refused(path, ledger_setup)


def test_the_last_allowed_column_is_read(tmp_path, ledger_setup):
    path = sheet_changed(tmp_path, b"</row>", b'<c r="AN1"><v>1</v></c></row>')
    facts = tasks.ledger.importing.inspect_file(path)
    assert facts.data_rows_upper_bound == 2
    rows = zichuan_heating.spreadsheets.read_sheet(path, sheet_name="台账")
    assert len(rows[0]) == 40 and rows[0][39] == 1.0


def test_a_declared_dimension_alone_is_no_reason_to_refuse(tmp_path, ledger_setup):
    # python-calamine sizes the grid from the cells, not from <dimension>.
    path = sheet_changed(tmp_path, b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    tasks.ledger.importing.inspect_file(path)


def test_a_sheet_starting_further_down_is_read_from_row_one(tmp_path):
    path = tmp_path / "c3.xlsx"
    wb = openpyxl.Workbook()
    wb.active["C3"] = "x"
    wb.active["D4"] = 1
    wb.save(path)
    assert zichuan_heating.spreadsheets.read_sheet(path, sheet_name=None) == [
        ["", "", "", ""],
        ["", "", "", ""],
        ["", "", "x", ""],
        ["", "", "", 1.0],
    ]


@override_settings(SPREADSHEET_MAX_CELLS=100)
def test_too_many_cells_are_refused(tmp_path, ledger_setup):
    rows = [row(id_number=IDS[i]) for i in range(10)]
    assert "单元格过多（超过 100 个）" in refused(xlsx(tmp_path / "a.xlsx", rows), ledger_setup)


@override_settings(SPREADSHEET_MAX_CELLS=100)
def test_a_shared_strings_table_longer_than_it_says_is_counted(tmp_path, ledger_setup):
    entries = b"<si><t>x</t></si>" * 150  # declared: 1 entry
    good = xlsx(tmp_path / "good.xlsx", [row()])
    path = hostile_files.shared_strings_changed(
        good, tmp_path / "sst.xlsx", lambda d: d.replace(b"</sst>", entries + b"</sst>")
    )
    assert "共享字符串表异常巨大" in refused(path, ledger_setup)


def test_a_bad_crc_in_a_member_other_than_the_sheet_is_damage(tmp_path, ledger_setup):
    good = xlsx(tmp_path / "good.xlsx", [row()])
    path = hostile_files.bad_crc(good, tmp_path / "crc.xlsx", member="xl/styles.xml")
    assert refused(path, ledger_setup) == "文件已损坏，请重新保存后上传"


def test_a_dtd_behind_a_long_prolog_is_refused(tmp_path, ledger_setup):
    # Two megabytes of comment that do not compress (a zip bomb is refused for another reason).
    comment = os.urandom(1 << 20).hex().encode()
    prolog = b'<?xml version="1.0"?><!--' + comment + b'--><!DOCTYPE w [<!ENTITY a "b">]>'
    good = xlsx(tmp_path / "good.xlsx", [row()])
    sheet = {SHEET: lambda d: hostile_files.prolog_replaced(d, prolog)}
    path = rewrite(good, tmp_path / "p.xlsx", change=sheet)
    assert refused(path, ledger_setup) == "文件已损坏，请重新保存后上传"


@override_settings(SPREADSHEET_READ_SECONDS=-1)
def test_checking_and_reading_stop_at_the_deadline(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row()])
    assert "处理文件超时" in refused(path, ledger_setup)
    with pytest.raises(UnusableFile, match="处理文件超时"):
        zichuan_heating.spreadsheets.read_sheet(path, sheet_name="台账")


# ---------------------------------------------------------------- no file left behind, attempts


def uploaded(tmp_path) -> SimpleUploadedFile:
    path = xlsx(tmp_path / "a.xlsx", [row()])
    return SimpleUploadedFile("a.xlsx", path.read_bytes())


@override_settings(LEDGER_IMPORT_MAX_BYTES=1000)
def test_a_file_refused_before_its_job_exists_leaves_nothing(
    tmp_path, media, client_for, official_a, ledger_setup
):
    response = client_for(official_a).post(
        reverse("ledger:ledger_import"), {"file": uploaded(tmp_path)}
    )
    assert response.status_code == 200 and "文件过大" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert files_in(media) == []


def test_a_job_row_that_cannot_be_written_leaves_no_file(
    tmp_path, media, official_a, ledger_setup, monkeypatch
):
    def refuse(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(ImportJob, "save", refuse)
    with pytest.raises(DatabaseError):
        import_job_create(
            by=official_a, programme=ledger_setup, upload=uploaded(tmp_path), create_villages=False
        )
    assert files_in(media) == []


def test_an_inspection_that_breaks_ends_as_a_failed_job_without_its_file(
    tmp_path, media, official_a, ledger_setup, monkeypatch
):
    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks.ledger.import_services, "inspect_file", broken)
    job = import_job_create(
        by=official_a, programme=ledger_setup, upload=uploaded(tmp_path), create_villages=False
    )
    job.refresh_from_db()
    assert (job.state, job.message) == (
        ImportState.FAILED,
        "处理文件时出错，未写入任何数据。请联系系统管理员。",
    )
    assert files_in(media) == []


def make_job(tmp_path, user, programme, **fields) -> ImportJob:
    job = ImportJob(programme=programme, town=user.town, created_by=user, **fields)
    job.file.save("a.xlsx", ContentFile(xlsx(tmp_path / "a.xlsx", [row()]).read_bytes()))
    return job


def test_the_attempt_is_counted_before_the_work(
    tmp_path, media, official_a, ledger_setup, monkeypatch
):
    seen = []
    real = tasks.ledger.import_services.validate

    def counting(*args, **kwargs):
        seen.append(ImportJob.objects.values_list("attempts", flat=True).get())
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.ledger.import_services, "validate", counting)
    job = make_job(tmp_path, official_a, ledger_setup)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, seen) == (ImportState.READY, 1, [1])
    import_job_confirm(job=job, by=official_a)  # the commit is a step of its own
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, seen) == (ImportState.DONE, 1, [1, 1])


def test_a_job_whose_runs_all_died_is_given_up(
    tmp_path, media, official_a, ledger_setup, monkeypatch
):
    def must_not_run(*args, **kwargs):
        raise AssertionError("validated a fourth time")

    monkeypatch.setattr(tasks.ledger.import_services, "validate", must_not_run)
    # As three killed workers leave it: validating, three attempts begun, none finished.
    job = make_job(tmp_path, official_a, ledger_setup, state=ImportState.VALIDATING, attempts=3)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and job.attempts == 3
    assert job.message.startswith("处理该文件时程序已 3 次异常中止，已停止处理，未写入任何数据。")
    assert files_in(media) == [] and Household.objects.count() == 0


def test_the_sheet_checked_is_the_sheet_read(tmp_path, ledger_setup):
    # A harmless "台账 " first and a sparse "台账" second: python-calamine reads the exact name.
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "台账 "
    wb.active.append(HEADERS)
    sparse = wb.create_sheet("台账")
    sparse.append(HEADERS)
    sparse["XFD1048576"] = 1
    wb.save(path)
    assert "第 XFD 列" in refused(path, ledger_setup)


def test_two_members_of_the_same_name_are_damage(tmp_path, ledger_setup):
    good = xlsx(tmp_path / "good.xlsx", [row()])
    path = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            dst.writestr(SHEET, b"<worksheet/>")
    assert refused(path, ledger_setup) == "文件已损坏，请重新保存后上传"
