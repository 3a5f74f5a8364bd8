"""Metering fixtures: the two utilities, accepted gas and electric households with meters and
their schedules, and a readings file writer (xlsx or csv)."""

import csv
import io

import pytest
import xlsxwriter

from subsidies import services as subsidy_services
from subsidies.metering.models import Meter, MeterKind, Utility
from tests.subsidies.helpers import accepted_household

HEADERS = ["表号（户号）", "身份证号", "采暖季", "起始读数", "截止读数", "用量", "抄表日期"]
SEASON = "2021-2022"


@pytest.fixture
def gas_co(db):
    return Utility.objects.create(name="淄川燃气公司", kind=MeterKind.GAS)


@pytest.fixture
def grid_co(db):
    return Utility.objects.create(name="国网淄川供电公司", kind=MeterKind.ELECTRIC)


def add_meter(household, utility, number):
    return Meter.objects.create(
        household=household,
        programme=household.programme,
        kind=utility.kind,
        number=number,
        utility=utility,
    )


@pytest.fixture
def metered(programme, standards, boiler, town_a, town_b, gas_co, grid_co):
    """Gas households G1, G2 (town_a), G3 (town_b) and an electric one E1 (town_a), accepted,
    with meters and generated schedules."""
    g1 = accepted_household(programme=programme, town=town_a, equipment=boiler)
    g2 = accepted_household(programme=programme, town=town_a, equipment=boiler)
    g3 = accepted_household(programme=programme, town=town_b, equipment=boiler)
    e1 = accepted_household(programme=programme, town=town_a, route="electric")
    add_meter(g1, gas_co, "G0001")
    add_meter(g2, gas_co, "G0002")
    add_meter(g3, gas_co, "G0003")
    add_meter(e1, grid_co, "E0001")
    subsidy_services.schedules_generate(programme=programme)
    return {"g1": g1, "g2": g2, "g3": g3, "e1": e1}


def readings_xlsx(rows, headers=HEADERS) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("抄表数据")
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif v is not None:
                ws.write_string(r, c, str(v))
    wb.close()
    return buf.getvalue()


def readings_csv(rows, headers=HEADERS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


@pytest.fixture
def write_file(tmp_path):
    def write(rows, kind="xlsx", headers=HEADERS):
        path = tmp_path / f"readings.{kind}"
        data = readings_xlsx(rows, headers) if kind == "xlsx" else readings_csv(rows, headers)
        path.write_bytes(data)
        return path

    return write
