"""The demo's money: every season before the current one paid through batches prepared by
finance, approved by finance2, exported and answered by the bank; the current one prepared
and waiting for finance2's approval."""

import datetime
import tempfile

from subsidies.models import DisbursementBatch, SubsidyEvent
from subsidies.pricing import season_due
from subsidies.services import (
    bank_return_import,
    batch_approve,
    batch_mark_exported,
    batch_mark_paid,
    batch_prepare,
)
from subsidies.services.bank_return import BANK_RETURN_HEADERS
from zichuan_heating.demo.common import Cast, Progress, at, backdate, fresh_statistics

#: Lines the bank could not pay, in the first two seasons' returns (paid again later).
BANK_FAILURES = ("账户已销户，请核实后重新提供账号。", "户名与账号不符。")


def current_season(cast: Cast) -> str | None:
    """The latest heating season already opened on the demo's day (seasons open 11-15)."""
    opened = [s for s in cast.programme.heating_seasons() if season_due(s) <= cast.today]
    return opened[-1] if opened else None


def _bank_return(cast: Cast, batch: DisbursementBatch, failing: int) -> None:
    """The bank's per-line return: every line paid except `failing` of them."""
    import xlsxwriter

    lines = list(batch.lines.order_by("id").values_list("id", flat=True))
    failed = set(lines[7 :: max(1, len(lines) // max(1, failing))][:failing]) if failing else set()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        workbook = xlsxwriter.Workbook(tmp.name)
        sheet = workbook.add_worksheet("回单")
        headers = [h for h in BANK_RETURN_HEADERS if h != "身份证号"]
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header)
        for n, pk in enumerate(lines, start=1):
            sheet.write_number(n, 0, pk)
            sheet.write_string(n, 1, "失败" if pk in failed else "成功")
            sheet.write_string(n, 2, BANK_FAILURES[n % 2] if pk in failed else "")
        workbook.close()
        bank_return_import(batch=batch, file=tmp.name, by=cast.finance)


def _pay(cast: Cast, season: str, opened: datetime.date, failing: int) -> DisbursementBatch:
    batch = batch_prepare(
        programme=cast.programme, season=season, towns=cast.towns, by=cast.finance
    )
    batch = batch_approve(batch=batch, by=cast.finance2)
    batch = batch_mark_exported(batch=batch, by=cast.finance)
    _bank_return(cast, batch, failing)
    paid_on = opened + datetime.timedelta(days=20)
    reference = f"ZC{paid_on:%Y%m%d}{batch.pk:04d}"
    batch = batch_mark_paid(batch=batch, reference=reference, date=paid_on, by=cast.finance)
    backdate(
        DisbursementBatch.objects.filter(pk=batch.pk),
        prepared_at=at(opened + datetime.timedelta(days=5)),
        approved_at=at(opened + datetime.timedelta(days=7), 15),
        exported_at=at(opened + datetime.timedelta(days=8)),
    )
    backdate(SubsidyEvent.objects.filter(batch=batch), at=at(paid_on, 16))
    return batch


def paid_seasons(cast: Cast) -> list[str]:
    """The seasons before the current one: paid in full by the demo."""
    current = current_season(cast)
    seasons = cast.programme.heating_seasons()
    return seasons[: seasons.index(current)] if current else []


def seasons_pay(cast: Cast, progress: Progress) -> None:
    """Past seasons paid (a supplementary batch for lines the bank returned); the current one
    prepared for finance2."""
    from zichuan_heating.demo import metering

    current = current_season(cast)
    metering.meters_register(cast, progress)
    for n, season in enumerate(paid_seasons(cast)):
        opened = season_due(season)
        metering.season_readings(cast, season, progress)
        batch = _pay(cast, season, opened, len(BANK_FAILURES) if n < 2 else 0)
        metering.correction_after_payment(cast, season, progress)
        if n == 0:
            fresh_statistics()  # the first season's readings, batch lines and bank return
        failed = batch.lines.filter(state="failed").count()
        if failed:
            _pay(cast, season, opened + datetime.timedelta(days=45), 0)
        progress(
            f"  subsidies: {season} paid ({batch.line_count} lines, {failed} paid again later)"
        )
    if current:
        batch = batch_prepare(
            programme=cast.programme, season=current, towns=cast.towns, by=cast.finance
        )
        progress(
            f"  subsidies: {current} prepared ({batch.line_count} lines), waiting for finance2"
        )
