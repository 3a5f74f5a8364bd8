"""Small helpers shared by the subsidies tests."""

import datetime
import io

import xlsxwriter

from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from tests.factories import HouseholdFactory


def accepted_household(**kw):
    """A household accepted as the acceptance app leaves it: status and a passed commissioning."""
    household = HouseholdFactory(status="accepted", **kw)
    Acceptance.objects.create(
        household=household,
        kind=AcceptanceKind.COMMISSIONING,
        date=datetime.date(2021, 10, 20),
        result=AcceptanceResult.PASS,
    )
    return household


def bank_return_file(rows, headers=("明细编号", "身份证号", "结果", "失败原因")) -> io.BytesIO:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            ws.write_string(r, c, str(v))
    wb.close()
    buf.seek(0)
    return buf


def pay_on_estimate(by, season=None) -> int:
    """The finance bureau decides to pay every operating instalment still waiting for its
    reading on the standard's estimate (as a test that pays before readings arrive needs)."""
    from subsidies.metering.estimates import estimates_pay
    from subsidies.metering.queries import awaiting_reading
    from subsidies.models import Instalment

    qs = Instalment.objects.filter(status="scheduled").filter(awaiting_reading())
    if season:
        qs = qs.filter(season=season)
    ids = list(qs.values_list("id", flat=True))
    if not ids:
        return 0
    return estimates_pay(instalment_ids=ids, reason="测试：抄表前按估算发放", by=by)
