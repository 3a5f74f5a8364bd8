"""Benchmark: a town report with a 20,000-household annex, beside Chromium printing the very
same HTML, measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_pdf python -m bench.town_pdf [N]

Fills one town (双杨镇) with N generated households (default 20,000; COPY, `bench.seed`) in a
database of its own, warms both renderers up (fonts, one small report), then times:

- project: `tasks.progress.reports.report_write` for the town, in this process (the query,
  the template, WeasyPrint), and separately its HTML alone (`town_context` and
  `render_to_string`);
- floor: that HTML, written to a file beside the project's static files, printed to PDF by
  Debian's Chromium through Playwright (`page.goto` of the file, then `page.pdf`, A4), in a
  browser started before the clock.

Prints wall and CPU seconds, pages (pdfinfo) and sizes, and the ratio project ÷ floor.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOWN = "shuangyang"
CHROMIUM = os.environ.get("ZH_CHROMIUM", "/usr/bin/chromium")


def setup(n: int):
    from bench.seed import households_insert
    from bench.subsidy_schedules import prepare_database
    from tasks.models import Household, Programme, Town

    prepare_database()
    programme = Programme.objects.get(year=2021)
    town = Town.objects.get(code=TOWN)
    have = Household.objects.filter(programme=programme, town=town).count()
    if have < n:
        seconds = households_insert(n - have, programme=programme, seed=have + 7, town_codes=[TOWN])
        print(f"inserted {n - have} households into {town.name} in {seconds:.1f} s")
    return programme, town


def pages(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages")), "?")


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=20_000)
    args = parser.parse_args(argv)
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("set DATABASE_URL to a PostgreSQL database of its own (e.g. zh_pdf)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.template.loader import render_to_string
    from playwright.sync_api import sync_playwright

    from tasks.models import Town
    from tasks.progress.reports import report_write, town_context

    programme, town = setup(args.n)
    out = Path(tempfile.mkdtemp(prefix="zh-bench-pdf-"))
    small = Town.objects.exclude(pk=town.pk).order_by("order").first()
    report_write(programme, small, out / "warm-up.pdf")  # WeasyPrint's fonts, once a process

    project, p_wall, p_cpu = timed(lambda: report_write(programme, town, out / "project.pdf"))
    html, h_wall, h_cpu = timed(
        lambda: render_to_string("tasks/reports/town.html", town_context(programme, town))
    )
    # Beside the static files, so that the stylesheet and fonts resolve as for WeasyPrint.
    page_file = Path(settings.BASE_DIR) / f".bench-town-{os.getpid()}.html"
    page_file.write_text(html, encoding="utf-8")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            page.goto(page_file.as_uri())  # warm-up: fonts and the engine
            page.pdf(path=str(out / "warm-up-chromium.pdf"), format="A4")

            def chromium_print():
                page.goto(page_file.as_uri())
                page.pdf(path=str(out / "chromium.pdf"), format="A4", print_background=True)

            _none, f_wall, _cpu = timed(chromium_print)
            browser.close()
    finally:
        page_file.unlink(missing_ok=True)

    chromium = out / "chromium.pdf"
    print(f"\ntown report, {town.name}, {args.n} households in the annex")
    print(f"{'work':52s} {'wall s':>7s} {'CPU s':>7s} {'pages':>6s} {'KiB':>7s}")
    rows = [
        ("project: report_write (query, template, WeasyPrint)", p_wall, p_cpu, project),
        ("  of which the HTML alone (query and template)", h_wall, h_cpu, None),
        ("floor: Chromium printing the same HTML", f_wall, None, chromium),
    ]
    for label, wall, cpu, path in rows:
        cpu_text = f"{cpu:7.2f}" if cpu is not None else f"{'(its own)':>7s}"
        page_text = pages(path) if path else ""
        size = f"{path.stat().st_size // 1024:7d}" if path else ""
        print(f"{label:52s} {wall:7.2f} {cpu_text} {page_text:>6s} {size:>7s}")
    print("\n| work | project | floor, same run | ratio |\n|---|---|---|---|")
    print(
        f"| town PDF, {args.n}-household annex | {p_wall:.2f} s | Chromium printing the same "
        f"HTML: {f_wall:.2f} s | x{p_wall / f_wall:.2f} |"
    )
    for f in out.iterdir():
        f.unlink()
    out.rmdir()


if __name__ == "__main__":
    main()
