"""The bank's return of an exported batch: per line paid or failed, all-or-nothing and
idempotent. The file goes through the one spreadsheet reader (`zichuan_heating.spreadsheets`)."""

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from subsidies.models import BATCH_FLOW, LINE_FLOW, BatchLine, DisbursementBatch, LineState
from subsidies.money import ZERO
from subsidies.services import common
from zichuan_heating.locks import retry_on_conflict
from zichuan_heating.spreadsheets import UnusableFile, inspect_workbook, read_sheet

PAID_WORDS = {"成功", "已支付", "支付成功", "paid", "success", "ok"}
FAILED_WORDS = {"失败", "支付失败", "退回", "failed", "fail"}
BANK_RETURN_HEADERS = ("明细编号", "身份证号", "结果", "失败原因")


@dataclass
class BankReturnResult:
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.paid + self.failed


class BankReturnError(ValidationError):
    """Every bad row of a bank return: (row number, column header, message)."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.rows = errors
        super().__init__(
            [_("第 %(r)s 行“%(c)s”：%(m)s") % {"r": r, "c": c, "m": m} for r, c, m in errors]
        )


def _read_path(path: str | Path) -> list[list[Any]]:
    inspect_workbook(
        path,
        sheet_name=None,
        max_bytes=settings.BANK_RETURN_MAX_BYTES,
        max_rows=settings.BANK_RETURN_MAX_ROWS,
        what=_("银行回单"),
    )
    return read_sheet(path, sheet_name=None)


def _read_rows(file: Any) -> list[list[Any]]:
    """The first sheet's cells; a file the reader refuses is a ValidationError saying why."""
    if hasattr(file, "seek"):
        file.seek(0)  # a retried import reads the same file again
    try:
        if isinstance(file, str | Path):
            return _read_path(file)
        if hasattr(file, "temporary_file_path"):  # a large upload already on disk
            return _read_path(file.temporary_file_path())
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
                tmp.write(chunk)
            tmp.flush()
            return _read_path(tmp.name)
    except UnusableFile as exc:
        raise ValidationError(exc.message) from exc


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


@retry_on_conflict
@transaction.atomic
def bank_return_import(*, batch: DisbursementBatch, file: Any, by: Any) -> BankReturnResult:
    """Apply the bank's return (per line: paid or failed). All-or-nothing and idempotent.

    Columns: 明细编号, 身份证号 (either identifies the line; both must agree when given),
    结果 (成功 / 失败), 失败原因. A line already in the stated state is left unchanged;
    a line paid cannot become failed, nor a failed line paid.
    """
    common.require_perm(by, "subsidies.prepare_batch")
    rows = _read_rows(file)
    common.lock_lines(batch.lines.all())  # households, instalments, lines; then the batch
    batch = common.lock_batch(batch)
    BATCH_FLOW.check(batch, "bank_return")
    if not rows:
        raise ValidationError(_("文件是空的。"))
    col = _columns(rows[0])
    lines = {
        line.pk: line
        for line in batch.lines.select_for_update(of=("self",))
        .select_related("instalment__household")
        .order_by("id")
    }
    result = BankReturnResult()
    wanted = _wanted(rows, col, lines, result.errors)
    if result.errors:
        raise BankReturnError(result.errors)
    to_pay = [pk for pk, (s, _r) in wanted.items() if s == LineState.PAID]
    to_fail = [pk for pk, (s, _r) in wanted.items() if s == LineState.FAILED]
    if to_pay:
        common.pay_lines(BatchLine.objects.filter(pk__in=to_pay))
    for pk in to_fail:
        common.fail_line(lines[pk], wanted[pk][1])
    result.paid, result.failed = len(to_pay), len(to_fail)
    result.unchanged = len(rows) - 1 - result.changed
    if result.changed:
        common.refresh_totals(batch)
        common.event(
            batch,
            common.Action.BANK_RETURN,
            by,
            _("银行回单：成功 %(p)s 笔，失败 %(f)s 笔") % {"p": result.paid, "f": result.failed},
            count=result.changed,
            amount=sum((lines[pk].amount for pk in wanted), ZERO),
            paid=to_pay,
            failed=to_fail,
        )
    return result


def _columns(header_row: list[Any]) -> dict[str, int]:
    header = [_cell(c) for c in header_row]
    col = {h: header.index(h) for h in BANK_RETURN_HEADERS if h in header}
    if "结果" not in col or ("明细编号" not in col and "身份证号" not in col):
        raise ValidationError(_("表头须包含“明细编号”或“身份证号”，以及“结果”。"))
    return col


def _wanted(
    rows: list[list[Any]],
    col: dict[str, int],
    lines: dict[int, BatchLine],
    errors: list[tuple[int, str, str]],
) -> dict[int, tuple[str, str]]:
    """{line id: (state, reason)} the return asks for; each bad row goes into `errors`."""
    by_id_number: dict[str, list[BatchLine]] = defaultdict(list)
    for line in lines.values():
        by_id_number[line.instalment.household.id_number].append(line)
    wanted: dict[int, tuple[str, str]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(_cell(c) for c in row):
            continue
        values = {h: _cell(row[i]) if i < len(row) else "" for h, i in col.items()}
        targets = _targets(n, values, lines, by_id_number, errors)
        state = _outcome(n, values.get("结果", ""), errors) if targets else None
        if state is None:
            continue
        reason = values.get("失败原因") or _("银行退回")
        for line in targets:
            if line.state == state:
                continue
            if not LINE_FLOW.can(line, "pay" if state == LineState.PAID else "fail"):
                errors.append(
                    (
                        n,
                        "结果",
                        _("该明细已是“%(s)s”，不能改为“%(t)s”")
                        % {"s": line.get_state_display(), "t": LineState(state).label},
                    )
                )
                continue
            wanted[line.pk] = (state, reason)
    return wanted


def _targets(
    n: int,
    values: dict[str, str],
    lines: dict[int, BatchLine],
    by_id_number: dict[str, list[BatchLine]],
    errors: list[tuple[int, str, str]],
) -> list[BatchLine]:
    """The lines a row names (by line number, else by ID number); [] after an error."""
    line_id, idn = values.get("明细编号", ""), values.get("身份证号", "").upper()
    if line_id:
        line = lines.get(int(line_id)) if line_id.isdigit() else None
        if line is None:
            errors.append((n, "明细编号", _("本批次没有编号为 %(v)s 的明细") % {"v": line_id}))
            return []
        if idn and line.instalment.household.id_number != idn:
            errors.append((n, "身份证号", _("身份证号与明细不符")))
            return []
        return [line]
    targets = by_id_number.get(idn, [])
    if not targets:
        errors.append((n, "身份证号", _("本批次没有该身份证号的明细")))
    return targets


def _outcome(n: int, outcome: str, errors: list[tuple[int, str, str]]) -> str | None:
    low = outcome.lower()
    if low in PAID_WORDS:
        return LineState.PAID
    if low in FAILED_WORDS:
        return LineState.FAILED
    errors.append((n, "结果", _("结果应为“成功”或“失败”")))
    return None
