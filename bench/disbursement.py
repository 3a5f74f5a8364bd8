"""Benchmark: a 100,000-line disbursement batch (≤ 20 s) and its sheet (≤ 10 s, < 500 MB).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_subsidies \\
        python -m bench.disbursement 100000

Needs the data of bench.subsidy_schedules (run it first with the same N). To make a batch of
exactly one line per household, the one-off items are set to paid beforehand (as if an
earlier batch had paid them), so the 2022-2023 batch holds one operating line per household.
The sheet is written in a child process so its peak memory (max RSS) is its own.
"""

import argparse
import resource
import subprocess
import sys
import time

from bench.subsidy_schedules import bench_users, prepare_database, setup_django


def reset_batches() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE subsidies_batchline, subsidies_historicalbatchline, "
            "subsidies_disbursementbatch_towns, subsidies_disbursementbatch, "
            "subsidies_historicaldisbursementbatch CASCADE"
        )
        c.execute(
            "UPDATE subsidies_instalment SET status = CASE WHEN item = 'operating' "
            "THEN 'scheduled' ELSE 'paid' END"
        )


def export_child(batch_id: int, out: str) -> None:
    setup_django()
    from subsidies.exports import write_disbursement
    from subsidies.models import DisbursementBatch

    batch = DisbursementBatch.objects.select_related("programme").get(pk=batch_id)
    t = time.perf_counter()
    total = write_disbursement(batch, out, full_id=True)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sheet: {batch.line_count} lines, total {total} in {secs:.1f} s; peak RSS {peak:.0f} MB")
    print(f"TARGET sheet ≤ 10 s and < 500 MB: {'OK' if secs <= 10 and peak < 500 else 'MISSED'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--export-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="/tmp/zh_disbursement_bench.xlsx")
    args = parser.parse_args(argv)
    if args.export_child:
        export_child(args.export_child, args.out)
        return
    setup_django()
    prepare_database()
    from subsidies import services
    from subsidies.models import Instalment
    from tasks.models import Programme, Town

    programme = Programme.objects.get(year=2021)
    if Instalment.objects.filter(item="operating", season="2022-2023").count() < args.n:
        sys.exit("run bench.subsidy_schedules with the same N first")
    finance, finance2 = bench_users()
    reset_batches()
    towns = list(Town.objects.all())
    t = time.perf_counter()
    batch = services.batch_prepare(programme=programme, season="2022-2023", towns=towns, by=finance)
    secs = time.perf_counter() - t
    print(f"batch_prepare: {batch.line_count} lines, total {batch.total_amount} in {secs:.1f} s")
    print(f"TARGET batch ≤ 20 s: {'OK' if secs <= 20 else 'MISSED'}")
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance2)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.disbursement",
            "--export-child",
            str(batch.pk),
            "--out",
            args.out,
        ],
        check=True,
    )
    t = time.perf_counter()
    services.batch_mark_paid(
        batch=batch, reference="BENCH-1", date=batch.prepared_at.date(), by=finance
    )
    print(f"batch_mark_paid: {batch.line_count} lines in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
