"""manage.py import_ledger: exit codes 0/1/2 and the JSON shape of issue 3."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tasks.models import Household
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_ledger", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, out.getvalue(), err.getvalue()


def test_a_good_file_exits_0_with_counts_in_json(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1])])
    code, out, _ = run(str(path), "--programme", "2021", "--json")
    assert code == 0
    assert json.loads(out) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert Household.objects.count() == 2
    code, out, _ = run(str(path), "--programme", "2021", "--json")
    assert json.loads(out) == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_a_dry_run_exits_0_and_writes_nothing(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row()])
    code, out, _ = run(str(path), "--programme", "2021", "--dry-run")
    assert code == 0
    assert "将新增 1 户" in out
    assert Household.objects.count() == 0


def test_rejected_rows_exit_1_and_list_each_error(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1], size=99)])
    code, out, _ = run(str(path), "--programme", "2021", "--json")
    assert code == 1
    assert json.loads(out) == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [{"row": 3, "column": "家庭人口", "message": "家庭人口应为1到30之间的整数。"}],
    }
    assert Household.objects.count() == 0


def test_rows_of_another_town_exit_1_with_town(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(town="昆仑镇", village="北村")])
    code, _, err = run(str(path), "--programme", "2021", "--town", "hongshan")
    assert code == 1
    assert "第 2 行 [镇（街道）] 本行属于昆仑镇，您只能导入洪山镇的台账。" in err


def test_an_unknown_village_passes_with_create_villages(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [row(village="新村")])
    assert run(str(path), "--programme", "2021")[0] == 1
    assert run(str(path), "--programme", "2021", "--create-villages")[0] == 0


def test_an_unusable_file_exits_2(tmp_path, ledger_setup):
    path = tmp_path / "a.xlsx"
    path.write_text("not a workbook")
    code, out, _ = run(str(path), "--programme", "2021", "--json")
    assert code == 2
    payload = json.loads(out)
    assert payload["created"] == 0 and payload["errors"][0]["row"] is None
    assert "不是 Excel 工作簿" in payload["errors"][0]["message"]


def test_no_header_row_exits_2(tmp_path, ledger_setup):
    path = xlsx(tmp_path / "a.xlsx", [["x"]], headers=["什么"])
    assert run(str(path), "--programme", "2021")[0] == 2


def test_an_unknown_programme_is_a_command_error(tmp_path, ledger_setup):
    with pytest.raises(CommandError):
        call_command("import_ledger", str(tmp_path / "a.xlsx"), "--programme", "1999")
