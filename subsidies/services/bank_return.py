"""The bank's return of an exported batch: per household (or line) paid or failed,
all-or-nothing and idempotent. The file goes through the one spreadsheet reader
(`zichuan_heating.spreadsheets`).

A row names what it answers by 明细编号 (the sheet's one per household per batch, e.g.
PC00012-0000345; a bare number is a line id, as older returns had), else by 账号 (the
household's payment account), else by 身份证号. A row that matches nothing in the batch is
listed (`BankReturnError.unmatched`) and the file writes nothing.
"""

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
from subsidies.payments.models import parse_detail_number
from subsidies.payments.validators import normalise_account_number
from subsidies.services import common
from zichuan_heating.locks import retry_on_conflict
from zichuan_heating.spreadsheets import UnusableFile, inspect_workbook, read_sheet

PAID_WORDS = {"成功", "已支付", "支付成功", "paid", "success", "ok"}
FAILED_WORDS = {"失败", "支付失败", "退回", "failed", "fail"}
BANK_RETURN_HEADERS = ("明细编号", "身份证号", "结果", "失败原因")
#: Also understood: the payment account number.
ACCOUNT_HEADER = "账号"
_KEY_HEADERS = ("明细编号", "身份证号", ACCOUNT_HEADER)


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

    def __init__(self, errors: list[tuple[int, str, str]], unmatched: list | None = None):
        self.rows = errors
        #: The rows that matched nothing in the batch: (row number, column, value).
        self.unmatched = unmatched or []
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
        .select_related("instalment__household__payment_account")
        .order_by("id")
    }
    result = BankReturnResult()
    unmatched: list[tuple[int, str, str]] = []
    wanted = _wanted(rows, col, _Index(batch.pk, lines), result.errors, unmatched)
    if result.errors:
        raise BankReturnError(result.errors, unmatched)
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
    col = {h: header.index(h) for h in (*BANK_RETURN_HEADERS, ACCOUNT_HEADER) if h in header}
    if "结果" not in col or not any(h in col for h in _KEY_HEADERS):
        raise ValidationError(_("表头须包含“明细编号”“账号”或“身份证号”，以及“结果”。"))
    return col


class _Index:
    """The batch's lines by id, by household, by ID number and by account number."""

    def __init__(self, batch_id: int, lines: dict[int, BatchLine]) -> None:
        self.batch_id = batch_id
        self.lines = lines
        self.by_household: dict[int, list[BatchLine]] = defaultdict(list)
        self.by_id_number: dict[str, list[BatchLine]] = defaultdict(list)
        self.by_account: dict[str, list[BatchLine]] = defaultdict(list)
        for line in lines.values():
            household = line.instalment.household
            self.by_household[household.pk].append(line)
            self.by_id_number[household.id_number].append(line)
            account = getattr(household, "payment_account", None)
            if account is not None:
                self.by_account[account.number].append(line)

    def households(self, lines: list[BatchLine]) -> set[int]:
        return {line.instalment.household_id for line in lines}


def _wanted(
    rows: list[list[Any]],
    col: dict[str, int],
    index: _Index,
    errors: list[tuple[int, str, str]],
    unmatched: list[tuple[int, str, str]],
) -> dict[int, tuple[str, str]]:
    """{line id: (state, reason)} the return asks for; each bad row goes into `errors`, and
    a row that matches nothing also into `unmatched`."""
    wanted: dict[int, tuple[str, str]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(_cell(c) for c in row):
            continue
        values = {h: _cell(row[i]) if i < len(row) else "" for h, i in col.items()}
        targets = _targets(n, values, index, errors, unmatched)
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


def _no_match(n: int, column: str, value: str, message: str, errors, unmatched) -> list:
    errors.append((n, column, message))
    unmatched.append((n, column, value))
    return []


def _targets(
    n: int,
    values: dict[str, str],
    index: _Index,
    errors: list[tuple[int, str, str]],
    unmatched: list[tuple[int, str, str]],
) -> list[BatchLine]:
    """The lines a row names (by 明细编号, else 账号, else ID number); [] after an error."""
    code, idn = values.get("明细编号", ""), values.get("身份证号", "").upper()
    account = normalise_account_number(values.get(ACCOUNT_HEADER, ""))
    if code:
        targets = _by_code(n, code, index, errors, unmatched)
    elif account:
        targets = index.by_account.get(account, [])
        if not targets:
            return _no_match(
                n, ACCOUNT_HEADER, account, _("本批次没有该账号的明细"), errors, unmatched
            )
        if len(index.households(targets)) > 1:
            errors.append((n, ACCOUNT_HEADER, _("该账号对应本批次多户，请按明细编号回单")))
            return []
    else:
        targets = index.by_id_number.get(idn, [])
        if not targets:
            return _no_match(n, "身份证号", idn, _("本批次没有该身份证号的明细"), errors, unmatched)
    if not targets:
        return []
    household = targets[0].instalment.household
    if idn and household.id_number != idn:
        errors.append((n, "身份证号", _("身份证号与明细不符")))
        return []
    own = getattr(household, "payment_account", None)
    if code and account and (own is None or own.number != account):
        errors.append((n, ACCOUNT_HEADER, _("账号与明细不符")))
        return []
    return targets


def _by_code(n: int, code: str, index: _Index, errors, unmatched) -> list[BatchLine]:
    """A 明细编号: the household's lines in this batch; a bare number is one line's id."""
    if code.isdigit():
        line = index.lines.get(int(code))
        if line is None:
            message = _("本批次没有编号为 %(v)s 的明细") % {"v": code}
            return _no_match(n, "明细编号", code, message, errors, unmatched)
        return [line]
    parsed = parse_detail_number(code)
    lines = index.by_household.get(parsed[1], []) if parsed and parsed[0] == index.batch_id else []
    if not lines:
        message = _("本批次没有编号为 %(v)s 的明细") % {"v": code}
        return _no_match(n, "明细编号", code, message, errors, unmatched)
    return lines


def _outcome(n: int, outcome: str, errors: list[tuple[int, str, str]]) -> str | None:
    low = outcome.lower()
    if low in PAID_WORDS:
        return LineState.PAID
    if low in FAILED_WORDS:
        return LineState.FAILED
    errors.append((n, "结果", _("结果应为“成功”或“失败”")))
    return None
