"""PDF progress reports (WeasyPrint): the district report, a town report with its household
annex, and the job that renders a requested report exactly once.

Reports only read. Every figure comes from grouped counts (`queries`), so the district
report costs the same handful of queries whatever the number of households. The annex is
the only part that grows with the ledger; it is laid out as a few monospaced text blocks instead
of table rows (a WeasyPrint table costs ~11 ms a row; a text line of three households ~1 ms).
"""

import datetime
import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tasks.models import (
    HouseholdStatus,
    Milestone,
    Programme,
    ReminderLog,
    ReportJob,
    ReportKind,
    ReportState,
    Route,
    Town,
)
from tasks.progress.queries import (
    STAGE_LABELS,
    STAGE_STATUSES,
    Standing,
    annex_rows,
    lagging_towns,
    percent,
    stage_cells,
    stage_counts,
    stage_headings,
    town_quotas,
    village_progress,
)
from tasks.progress.sections import report_section
from tasks.validators import mask_id_number
from zichuan_heating.claims import claim

logger = logging.getLogger("zichuan.reports")


def subsidy_amounts(programme: Programme, town_id: int | None = None) -> Any:
    """Committed and paid amounts by heating season, as the subsidies app registered them."""
    return report_section("subsidies", programme, town_id)


def open_supervision_notices(programme: Programme, town_id: int | None = None) -> list:
    """Supervision notices (督办) not yet closed, oldest deadline first."""
    from tasks.models import SupervisionNotice

    qs = SupervisionNotice.objects.filter(programme=programme).not_closed()
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    return list(qs.select_related("town").order_by("deadline", "pk")[:200])


@dataclass
class ProgressRow:
    name: str
    quota: int
    counts: dict[str, int]
    code: str = ""

    def cells(self) -> list[dict[str, Any]]:
        return stage_cells(self.counts, self.quota)

    def pct(self, stage: str) -> Decimal:
        return percent(self.counts.get(stage, 0), self.quota) or Decimal(0)


def total_row(rows: list[ProgressRow], name: str) -> ProgressRow:
    return ProgressRow(
        name=name,
        quota=sum(r.quota for r in rows),
        counts={s: sum(r.counts.get(s, 0) for r in rows) for s in STAGE_STATUSES},
    )


def milestone_status(
    programme: Programme,
    rows: list[ProgressRow],
    lagging: dict[str, list[Standing]],
    today: datetime.date,
) -> list[dict[str, Any]]:
    """Per milestone: its date, days left (negative: overdue), and the towns not meeting it
    (`lagging`, from `queries.lagging_towns`, the rule the reminders use too)."""
    out = []
    for key, label, due in programme.milestones():
        towns = lagging.get(key, [])
        days_left = (due - today).days
        out.append(
            {
                "key": key,
                "label": label,
                "due": due,
                "days_left": days_left,
                "overdue": days_left < 0 and bool(towns),
                "overdue_days": -days_left,
                "met": len(rows) - len(towns),
                "total": len(rows),
                "lagging": [{"name": s.town.name, "detail": s.figures(key)} for s in towns],
            }
        )
    return out


def bar_chart_svg(
    rows: list[ProgressRow], stages: tuple[str, ...] = ("built", "accepted")
) -> SafeString:
    """A horizontal bar chart (percent of quota) drawn server-side: PDFs run no JavaScript."""
    colours = {"contracted": "#98a2b3", "built": "#1849a9", "accepted": "#067647"}
    label_w, plot_w, bar_h, gap, top = 110, 330, 8, 8, 24
    group_h = bar_h * len(stages) + gap
    height = top + group_h * len(rows) + 24
    width = label_w + plot_w + 60
    font = 'font-family="Noto Sans CJK SC"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for i, stage in enumerate(stages):
        x = label_w + i * 90
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colours[stage]}"/>')
        parts.append(
            f'<text x="{x + 14}" y="13" font-size="10" {font}>{STAGE_LABELS[stage]}</text>'
        )
    for tick in (0, 25, 50, 75, 100):
        x = label_w + plot_w * tick / 100
        parts.append(
            f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{height - 20}" stroke="#d9e2ec"/>'
            f'<text x="{x}" y="{height - 8}" font-size="9" text-anchor="middle" {font}>'
            f"{tick}%</text>"
        )
    for n, row in enumerate(rows):
        y0 = top + n * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + bar_h * len(stages) / 2 + 4}" font-size="10" '
            f'text-anchor="end" {font}>{escape(row.name)}</text>'
        )
        for i, stage in enumerate(stages):
            value = min(float(row.pct(stage)), 100.0)
            y = y0 + i * bar_h
            w = plot_w * value / 100
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{colours[stage]}"/>'
                f'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 1}" font-size="7" {font}>'
                f"{row.pct(stage)}%</text>"
            )
    parts.append("</svg>")
    # Every text node above is escaped (town names) or our own constant text.
    return mark_safe("".join(parts))


def _common(programme: Programme, today: datetime.date | None) -> dict[str, Any]:
    return {
        "programme": programme,
        "today": today or timezone.localdate(),
        "generated_at": timezone.localtime(),
        **stage_headings(),
    }


def district_context(programme: Programme, today: datetime.date | None = None) -> dict[str, Any]:
    """Everything the district report shows: four queries (plus the guarded sections)."""
    ctx = _common(programme, today)
    counts = stage_counts(programme)
    rows = [
        ProgressRow(
            name=q.town.name, code=q.town.code, quota=q.households, counts=counts.get(q.town_id, {})
        )
        for q in town_quotas(programme)
    ]
    milestones = milestone_status(programme, rows, lagging_towns(programme), ctx["today"])
    lagging_names = sorted(
        {t["name"] for m in milestones if m["days_left"] <= 14 for t in m["lagging"]},
        key=[r.name for r in rows].index,
    )
    ctx.update(
        {
            "title": _("%(name)s 全区进度报告") % {"name": programme.name},
            "scope": _("全区"),
            "rows": rows,
            "total": total_row(rows, _("全区合计")),
            "milestones": milestones,
            "any_lagging": any(m["lagging"] for m in milestones),
            "lagging_names": lagging_names,
            "chart": bar_chart_svg(rows),
            "notices": open_supervision_notices(programme),
            "subsidies": subsidy_amounts(programme),
            "visits": report_section("visits", programme),
            "safety": report_section("safety", programme),
        }
    )
    return ctx


ROUTE_LABELS = dict(Route.choices)
STATUS_LABELS = dict(HouseholdStatus.choices)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """Pad (or cut) to a display width: a CJK character is two monospace cells."""
    out, used = [], 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out) + " " * (width - used)


ANNEX_PER_LINE = 4
ANNEX_LINES_PER_BLOCK = 6  # small blocks: WeasyPrint re-lays the rest of a block per line
ANNEX_HEADER_EVERY = 10  # blocks: the column header again about once a landscape page


def annex_record(seq: int, village: str, head: str, id_number: str, route: str, status: str) -> str:
    return " ".join(
        (
            f"{seq:>5}",
            _fit(village, 8),
            _fit(head, 6),
            mask_id_number(id_number).ljust(18),
            _fit(str(ROUTE_LABELS.get(route, route)), 8),
            _fit(str(STATUS_LABELS.get(status, status)), 6),
        )
    )


def annex_blocks(programme: Programme, town_id: int) -> tuple[list[str], int]:
    """The household annex as text blocks (four households a line); and the row count."""
    lines: list[str] = []
    current: list[str] = []
    n = 0
    for n, (village, head, id_number, route, status) in enumerate(
        annex_rows(programme, town_id), start=1
    ):
        current.append(annex_record(n, village, head, id_number, route, status))
        if len(current) == ANNEX_PER_LINE:
            lines.append("  ".join(current))
            current = []
    if current:
        lines.append("  ".join(current))
    blocks = [
        "\n".join(lines[i : i + ANNEX_LINES_PER_BLOCK])
        for i in range(0, len(lines), ANNEX_LINES_PER_BLOCK)
    ]
    return blocks, n


def annex_header() -> str:
    one = " ".join(
        (
            _fit(_("序号"), 5),
            _fit(_("村（居）"), 8),
            _fit(_("户主"), 6),
            _fit(_("身份证号"), 18),
            _fit(_("改造方式"), 8),
            _fit(_("状态"), 6),
        )
    )
    return "  ".join([one] * ANNEX_PER_LINE)


def town_context(
    programme: Programme, town: Town, today: datetime.date | None = None, annex: bool = True
) -> dict[str, Any]:
    ctx = _common(programme, today)
    quota = town_quotas(programme, [town.pk])
    counts = stage_counts(programme, town_id=town.pk).get(town.pk, {})
    row = ProgressRow(
        name=town.name, code=town.code, quota=quota[0].households if quota else 0, counts=counts
    )
    lagging = lagging_towns(programme, [town.pk])
    milestones = milestone_status(programme, [row], lagging, ctx["today"])
    villages = village_progress(programme, town.pk)
    blocks, households = annex_blocks(programme, town.pk) if annex else ([], 0)
    ctx.update(
        {
            "title": _("%(name)s %(town)s进度报告") % {"name": programme.name, "town": town.name},
            "scope": town.name,
            "town": town,
            "rows": [row],
            "total": row,
            "milestones": milestones,
            "any_lagging": any(m["lagging"] for m in milestones),
            "chart": bar_chart_svg(
                [row, *(ProgressRow(v.name, v.task or 0, v.counts) for v in villages)][:40]
            ),
            "villages": villages,
            "annex_blocks": blocks,
            "annex_count": households,
            "annex_header": annex_header(),
            "annex_header_every": ANNEX_HEADER_EVERY,
            "notices": open_supervision_notices(programme, town.pk),
            "subsidies": subsidy_amounts(programme, town.pk),
            "visits": report_section("visits", programme, town.pk),
            "safety": report_section("safety", programme, town.pk),
        }
    )
    return ctx


def render_pdf(template: str, context: dict[str, Any], target: Path) -> None:
    from weasyprint import HTML

    html = render_to_string(template, context)
    HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(target)


def report_write(
    programme: Programme, town: Town | None, out: Path, today: datetime.date | None = None
) -> Path:
    """Render the district report (town None) or a town report to `out`, atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if town is None:
            render_pdf("tasks/reports/district.html", district_context(programme, today), tmp)
        else:
            render_pdf("tasks/reports/town.html", town_context(programme, town, today), tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


REPORT_MAX_ATTEMPTS = 5


def report_file(job: ReportJob) -> Path:
    return Path(settings.REPORTS_DIR) / job.file_path


def report_job_run(job_id: int) -> str:
    """Render a requested report once. Safe to run again, concurrently or after a crash.

    Done with its file in place: nothing to do. Otherwise render to a temporary file, then an
    atomic rename to the job's one final name; the row says done only after the file exists.
    """
    reports_dir = Path(settings.REPORTS_DIR)
    tmp_dir = reports_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        job = (
            # of=self: PostgreSQL cannot lock the nullable side of the outer join to town.
            ReportJob.objects.select_for_update(of=("self",))
            .select_related("programme", "town")
            .get(pk=job_id)
        )
        name = f"report-{job.pk}.pdf"
        final = reports_dir / name
        if job.state == ReportState.DONE and final.exists():
            return str(final)
        if job.attempts >= REPORT_MAX_ATTEMPTS:
            # The worker is redelivered work it lost (reject_on_worker_lost): a report that
            # keeps killing its worker (e.g. out of memory) must not loop for ever.
            job.state = ReportState.FAILED
            job.error = _("多次尝试仍未生成，已停止。")
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
            return ""
        job.state = ReportState.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.error = ""
        job.save(update_fields=["state", "started_at", "attempts", "error"])
    # A worker killed mid-render leaves its partial file behind: the rerun clears it.
    for stale in tmp_dir.glob(f"job-{job.pk}.*.part"):
        stale.unlink(missing_ok=True)
    tmp = tmp_dir / f"job-{job.pk}.{os.getpid()}.part"
    try:
        if job.kind == ReportKind.TOWN:
            context = town_context(job.programme, job.town)
            render_pdf("tasks/reports/town.html", context, tmp)
        else:
            render_pdf("tasks/reports/district.html", district_context(job.programme), tmp)
        _hold_before_rename()
        os.replace(tmp, final)
    except Exception as exc:
        ReportJob.objects.filter(pk=job.pk).exclude(state=ReportState.DONE).update(
            state=ReportState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        tmp.unlink(missing_ok=True)
        logger.exception("report job %s failed", job.pk)
        raise
    ReportJob.objects.filter(pk=job.pk).update(
        state=ReportState.DONE, file_path=name, finished_at=timezone.now(), error=""
    )
    return str(final)


def _hold_before_rename() -> None:
    """Test-only: while the REPORT_RENDER_HOLD file exists, the finished render waits before
    its rename, so a test kills the worker mid-render on an event rather than after a sleep."""
    hold = settings.REPORT_RENDER_HOLD
    deadline = time.monotonic() + 300
    while hold and os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.05)


def weekly_district_report_send(*, programme: Programme, today: datetime.date | None = None) -> int:
    """Render this week's district report (one job row a day) and e-mail it to the office."""
    from zichuan_heating.services import users_with_role

    today = today or timezone.localdate()
    job = (
        ReportJob.objects.filter(
            kind=ReportKind.DISTRICT,
            programme=programme,
            requested_by=None,
            created_at__date=timezone.localdate(),
        )
        .order_by("pk")
        .first()
    ) or ReportJob.objects.create(kind=ReportKind.DISTRICT, programme=programme)
    path = Path(report_job_run(job.pk))
    emails = sorted(u.email for u in users_with_role("district_office") if u.email)
    if emails:
        # Claimed before sending, as reminders are: a second beat or a rerun the same day
        # finds the row and sends nothing.
        claimed = claim(
            ReminderLog,
            programme=programme,
            town=None,
            milestone=Milestone.WEEKLY_REPORT,
            day=today,
            recipients=", ".join(emails),
        )
        if claimed is None:
            return job.pk
        message = EmailMessage(
            _("【进度周报】%(name)s 全区进度报告（%(day)s）")
            % {"name": programme.name, "day": today.isoformat()},
            _("附件为截至 %(day)s 的全区清洁取暖工作进度报告（PDF）。\n\n淄川区清洁取暖管理系统")
            % {"day": today.isoformat()},
            to=emails,
        )
        message.attach(
            _("全区进度报告-%(day)s.pdf") % {"day": today.isoformat()},
            path.read_bytes(),
            "application/pdf",
        )
        claimed.subject = str(message.subject)[:200]
        try:
            message.send()
        except Exception:
            claimed.delete()  # not sent: let the retry claim it again
            raise
        claimed.save(update_fields=["subject"])
    return job.pk
