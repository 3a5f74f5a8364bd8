"""Benchmark: PDF progress reports on PostgreSQL (or the configured database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_jobs python -m bench.reports

1. The district report for the 2,198-household programme (target < 5 s).
2. A town report whose annex lists 20,000 households (target < 60 s and < 1 GB peak RSS),
   run as `manage.py progress_report` in a subprocess so its peak memory can be measured.
Households are deleted again at the end.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.seed import clear_households, households_insert  # noqa: E402
from tasks.models import Programme, Town  # noqa: E402
from tasks.progress.reports import report_write  # noqa: E402


def run_command(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of a manage.py subprocess.

    CPU time is printed too: on a shared machine the wall time mostly measures the others.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, check=True, capture_output=True
    )
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss of children is the largest child so far; each run here is bigger than the last.
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return elapsed, cpu, max(usage.ru_maxrss, before) // 1024


def main() -> None:
    call_command("bootstrap", verbosity=0)
    programme = Programme.objects.get(year=2021)
    out_dir = Path(tempfile.mkdtemp(prefix="zh-bench-reports-"))
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    try:
        clear_households(programme)
        seconds = households_insert(2198, programme=programme, seed=1)
        print(f"inserted 2,198 households in {seconds:.1f} s")

        report_write(programme, None, out_dir / "warm-up.pdf")  # fonts loaded once per process
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            report_write(programme, None, out_dir / "district.pdf")
            in_process = time.perf_counter() - started
        print(
            f"district report (2,198 households), in a warm process: {in_process:.2f} s, "
            f"{len(ctx.captured_queries)} queries, "
            f"{(out_dir / 'district.pdf').stat().st_size} bytes"
        )
        wall, cpu, rss = run_command(
            ["progress_report", "--programme", "2021", "--out", str(out_dir / "district2.pdf")]
        )
        print(
            f"district report via manage.py (cold process): {wall:.2f} s wall, {cpu:.2f} s CPU, "
            f"peak RSS {rss} MB"
        )

        clear_households(programme)
        town = Town.objects.get(code="shuangyang")
        seconds = households_insert(20_000, programme=programme, seed=2, town_codes=[town.code])
        print(f"inserted 20,000 households into {town.name} in {seconds:.1f} s")
        out = out_dir / "town.pdf"
        wall, cpu, rss = run_command(
            ["progress_report", "--programme", "2021", "--town", town.code, "--out", str(out)]
        )
        pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
        pages = next(
            (line.split()[-1] for line in pages.splitlines() if line.startswith("Pages")), "?"
        )
        print(
            f"town report with a 20,000-household annex via manage.py: {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU, "
            f"peak RSS {rss} MB, {pages} pages, {out.stat().st_size // 1024} KiB"
        )
    finally:
        clear_households(programme)
        for f in out_dir.iterdir():
            f.unlink()
        out_dir.rmdir()


if __name__ == "__main__":
    main()
