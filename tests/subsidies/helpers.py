"""Small helpers shared by the subsidies tests."""

import io

import xlsxwriter


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
