"""Benchmark: the disbursement sheet of 100,000 households (≤ 5 s, < 500 MB peak RSS),
beside its floors, measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_payments \\
        python -m bench.disbursement_sheet 100000

Builds (or reuses, with --reuse) N accepted households with their schedules
(bench.subsidy_schedules), a payment account each (COPY) and fund shares, and the
2021-2022 batch: every household's construction, equipment and operating items (the operating
ones estimates, paid on finance's decision: the bench has no readings), so the sheet
groups two or three items into each household's one line and lists them on 明细. Each
figure is taken in a child process of its own, so its peak RSS (ru_maxrss) is its own:

- project: `write_disbursement` (summary with fund sources, one line per household, detail);
- floor A: the sheet's query (`exports.household_stream`, one row per household with its
  items) read with nothing written: what the database and the driver cost;
- floor B: the items written bare: one row per item (`exports._line_stream`) with
  XlsxWriter's own `write_row` in constant-memory mode, no grouping, masking, cleaning or
  totals;
- encrypted: the project's sheet plus its encryption with a password (msoffcrypto-tool).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal as D

from bench.subsidy_schedules import bench_users, prepare_database, setup_django

SEASON = "2021-2022"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(n: int, reuse: bool) -> int:
    """The data; returns the batch id."""
    from django.db import connection

    from bench import subsidy_schedules
    from subsidies import services
    from subsidies.metering.estimates import estimates_pay
    from subsidies.metering.queries import awaiting_reading
    from subsidies.models import DisbursementBatch, Instalment, SubsidyStandard
    from subsidies.payments.models import PaymentAccount
    from subsidies.payments.services import fund_shares_set
    from tasks.models import Household, Programme, Town

    ready = DisbursementBatch.objects.filter(season=SEASON, state="exported").first()
    if reuse and ready and PaymentAccount.objects.count() == n:
        return ready.pk
    subsidy_schedules.main([str(n), *(["--reuse"] if reuse else [])])
    finance, finance2 = bench_users()
    t = time.perf_counter()
    # Fetched first: the connection runs nothing else while a COPY is open.
    rows = [
        (pk, "one_card", "淄川农商银行", name, _card(pk), "2021-11-01")
        for pk, name in Household.objects.values_list("id", "head_name")
    ]
    with connection.cursor() as c:
        c.execute("TRUNCATE subsidies_paymentaccount, subsidies_historicalpaymentaccount")
        # Valid 19-digit one-card numbers need a Luhn digit: computed in Python, sent by COPY.
        with c.copy(
            "COPY subsidies_paymentaccount (household_id, kind, bank, holder, number, "
            "updated_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    print(f"payment accounts: {n} by COPY in {time.perf_counter() - t:.1f} s")
    for standard in SubsidyStandard.objects.all():
        fund_shares_set(
            standard=standard,
            shares={"central": D("33.34"), "provincial": D("33.33"), "district": D("33.33")},
            by=finance,
        )
    programme = Programme.objects.get(year=2021)
    t = time.perf_counter()
    # No readings here: the operating items are estimates, paid on finance's decision.
    waiting = Instalment.objects.filter(season=SEASON, status="scheduled").filter(
        awaiting_reading()
    )
    decided = estimates_pay(
        instalment_ids=list(waiting.values_list("id", flat=True)),
        reason="基准测试：抄表前按估算发放",
        by=finance,
    )
    print(f"estimates_pay: {decided} decisions in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    batch = services.batch_prepare(
        programme=programme, season=SEASON, towns=list(Town.objects.all()), by=finance
    )
    print(f"batch_prepare: {batch.line_count} lines in {time.perf_counter() - t:.1f} s")
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    with connection.cursor() as c:  # fresh statistics, as autovacuum would leave them
        for table in (
            "subsidies_batchline",
            "subsidies_instalment",
            "tasks_household",
            "subsidies_paymentaccount",
        ):
            c.execute(f"ANALYZE {table}")
    return batch.pk


def _card(pk: int) -> str:
    from subsidies.payments.validators import luhn_ok

    body = f"621700{pk:012d}"
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def child(kind: str, batch_id: int, out: str) -> None:
    setup_django()
    from subsidies.exports import write_disbursement
    from subsidies.models import DisbursementBatch
    from subsidies.payments.encryption import write_encrypted

    batch = DisbursementBatch.objects.select_related("programme").get(pk=batch_id)
    t, cpu = time.perf_counter(), time.process_time()
    if kind == "project":
        write_disbursement(batch, out, full_id=True)
        what = f"{batch.line_count} items"
    elif kind == "encrypted":
        with open(out, "wb") as fh:
            write_encrypted(
                lambda f: write_disbursement(batch, f, full_id=True), "bench-password-1", fh
            )
        what = "encrypted"
    elif kind == "fetch":
        from django.db import connection, transaction

        from subsidies.exports import household_stream

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")  # as the sheet does
            what = f"{sum(1 for _ in household_stream(batch))} households fetched"
    else:
        what = f"{_bare(batch, out)} rows written bare"
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    households = batch.lines.values("instalment__household_id").distinct().count()
    print(f"RESULT {kind} {secs:.2f} {cpu:.2f} {_peak_mb():.0f} {households} {what}")


def _bare(batch, out: str) -> int:
    import xlsxwriter
    from django.db import transaction

    from subsidies.exports import _line_stream

    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet()
    n = 0
    with transaction.atomic():  # the server-side cursor of `iterator` lives in it
        for n, row in enumerate(_line_stream(batch.lines.exclude(state="failed")), start=1):
            ws.write_row(n, 0, row)
    wb.close()
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="/tmp/zh_disbursement_sheet_bench.xlsx")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), args.out)
        return
    setup_django()
    prepare_database()
    batch_id = build(args.n, args.reuse)
    results = {}
    for kind in ("project", "fetch", "bare", "encrypted"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.disbursement_sheet",
                "--child",
                kind,
                str(batch_id),
                "--out",
                f"{args.out}.{kind}.xlsx",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        _r, k, secs, cpu, mb, households, *what = line.split()
        results[k] = (float(secs), float(cpu), float(mb), int(households), " ".join(what))
    print(f"\n{'':28} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}")
    labels = {
        "project": "sheet (project)",
        "fetch": "floor A: query only",
        "bare": "floor B: same rows, bare",
        "encrypted": "sheet + encryption",
    }
    for k, (secs, cpu, mb, _h, what) in results.items():
        print(f"{labels[k]:28} {secs:8.2f} {cpu:8.2f} {mb:8.0f}   {what}")
    print(f"(load average {os.getloadavg()[0]:.1f}: wall seconds include other processes' turns)")
    secs, _cpu, mb, households, _w = results["project"]
    ok = secs <= 5 and mb < 500
    print(f"\n{households} households; TARGET ≤ 5 s and < 500 MB: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
