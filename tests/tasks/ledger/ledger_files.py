"""Small ledger workbooks for import tests, built in the test with openpyxl or zipfile."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest

from bench.generate import unique_id_numbers
from tasks.ledger.importing import HEADERS
from tasks.models import Contractor, EquipmentModel, Village

IDS = unique_id_numbers(50, seed=2024)


def row(**over) -> list:
    """One good 洪山镇 gas row; override by header key names below."""
    values = {
        "town": "洪山镇",
        "village": "东村",
        "head_name": "王建国",
        "id_number": IDS[0],
        "phone": "13905331234",
        "address": "东村1号",
        "size": 3,
        "route": "气代煤",
        "brand": "示例燃气",
        "model": "L1PB20",
        "contractor": "示例燃气公司",
        "signed_on": "2021-07-05",
        "started_on": None,
        "completed_on": None,
        "notes": "",
    }
    values.update(over)
    return list(values.values())


def xlsx(
    path: Path,
    rows: list[list],
    *,
    headers=HEADERS,
    title: str | None = None,
    sheet: str = "台账",
    id_as_text: bool = True,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    if id_as_text:
        for cells in ws.iter_rows(min_row=2, min_col=4, max_col=4):
            for c in cells:
                c.number_format = "@"
    wb.save(path)
    return path


@pytest.fixture
def ledger_setup(town_a, town_b, programme):
    """Villages 东村/西村 in town_a, 北村 in town_b, an example catalogue, contractors."""
    for name in ("东村", "西村"):
        Village.objects.get_or_create(town=town_a, name=name)
    Village.objects.get_or_create(town=town_b, name="北村")
    EquipmentModel.objects.get_or_create(
        brand="示例燃气", model="L1PB20", defaults={"kind": "燃气壁挂炉", "route": "gas"}
    )
    EquipmentModel.objects.get_or_create(
        brand="示例热泵", model="KFXRS-7", defaults={"kind": "空气源热泵", "route": "electric"}
    )
    Contractor.objects.get_or_create(name="示例燃气公司", defaults={"kind": "gas"})
    Contractor.objects.get_or_create(name="示例设备安装公司", defaults={"kind": "installer"})
    return programme


def date(y, m, d):
    return datetime.date(y, m, d)


def to_bytes(path: Path) -> io.BytesIO:
    return io.BytesIO(path.read_bytes())
