"""Attachments (content sniffing, size), village batch acceptance (all or nothing), and the
queries other modules rely on: accepted households and progress against quota and 9/30."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from acceptance.models import Acceptance, AcceptanceKind, Attachment, Rectification
from acceptance.queries import (
    acceptance_milestone,
    acceptance_progress_by_town,
    accepted_filter,
    accepted_households,
)
from acceptance.services import (
    BatchEntry,
    acceptance_record_batch,
    acceptance_revoke,
    attachment_sniff,
    rectification_record,
)
from tasks.ledger import signals
from tasks.models import HouseholdStatus, Quota
from tests.acceptance.conftest import accept, all_pass, built_household, inspect, team
from tests.acceptance.files import jpeg_bytes, pdf_bytes, png_bytes, upload

COMPLETION = AcceptanceKind.COMPLETION
COMMISSIONING = AcceptanceKind.COMMISSIONING

# --- attachments -----------------------------------------------------------------------------


def test_jpeg_png_and_pdf_are_stored_under_media_root_with_their_sniffed_type(
    built_household_a, official_a, media_root
):
    files = [
        upload("现场照片.jpg", jpeg_bytes(), "image/jpeg"),
        upload("scan.PNG", png_bytes(), "image/png"),
        upload("验收单.pdf", pdf_bytes(), "application/pdf"),
    ]
    record = inspect(built_household_a, official_a, COMPLETION, attachments=files)
    stored = list(record.attachments.order_by("id"))
    assert [(a.original_name, a.kind) for a in stored] == [
        ("现场照片.jpg", "jpeg"),
        ("scan.PNG", "png"),
        ("验收单.pdf", "pdf"),
    ]
    for attachment, expected in zip(stored, [jpeg_bytes(), png_bytes(), pdf_bytes()], strict=True):
        path = Path(attachment.file.path)
        assert path.is_relative_to(media_root)
        assert path.read_bytes() == expected
        assert attachment.size == len(expected)
        assert attachment.uploaded_by == official_a
        assert "现场照片" not in attachment.file.name  # stored under a random name
        assert attachment.history.count() == 1


def test_a_file_whose_content_is_not_an_image_or_pdf_is_refused_whatever_its_name(
    built_household_a, official_a
):
    fake = upload("照片.jpg", b"MZ\x90\x00 this is an executable", "image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, attachments=[fake])
    assert excinfo.value.messages == ["附件“照片.jpg”不是 JPEG、PNG 照片或 PDF 扫描件。"]
    assert Acceptance.objects.count() == 0 and Attachment.objects.count() == 0


def test_a_file_over_10_mb_is_refused(built_household_a, official_a):
    big = upload("大图.jpg", jpeg_bytes() + b"\0" * (10 * 1024 * 1024), "image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        inspect(built_household_a, official_a, COMPLETION, attachments=[big])
    assert excinfo.value.messages == ["附件“大图.jpg”超过 10 MB。"]
    assert Attachment.objects.count() == 0


def test_exactly_10_mb_is_accepted():
    content = pdf_bytes()
    exact = upload("a.pdf", content + b"\0" * (10 * 1024 * 1024 - len(content)))
    assert attachment_sniff(exact) == ("pdf", None)


def test_rectification_photos_attach_to_the_failed_inspection(built_household_a, official_a, today):
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail")
    rectification = rectification_record(
        acceptance=failed,
        description="已补装燃气报警器",
        date=today,
        by=official_a,
        attachments=[upload("整改后.png", png_bytes())],
    )
    attachment = Attachment.objects.get()
    assert attachment.acceptance == failed and attachment.rectification == rectification


# --- village batch ---------------------------------------------------------------------------


@pytest.fixture
def village_households(programme, town_a, approved_plan_a, gas_contractor):
    return [
        built_household(programme, town_a, gas_contractor, head_name=name)
        for name in ("甲户", "乙户", "丙户")
    ]


def test_batch_records_every_household_with_one_team_and_date(
    village_households, official_a, today
):
    first, second, third = village_households
    saved = acceptance_record_batch(
        kind=COMPLETION,
        date=today,
        inspectors=team(),
        by=official_a,
        entries=[
            BatchEntry(first, all_pass(), "pass"),
            BatchEntry(
                second,
                {**all_pass(), "gas_flue": False},
                "fail",
                defects="烟道未出户",
                rectification_deadline=today + datetime.timedelta(days=5),
            ),
            BatchEntry(third, all_pass(), "pass"),
        ],
    )
    assert [(r.household.head_name, r.result) for r in saved] == [
        ("甲户", "pass"),
        ("乙户", "fail"),
        ("丙户", "pass"),
    ]
    assert {r.date for r in saved} == {today}
    assert all(r.inspectors.count() == 2 for r in saved)


def test_batch_with_one_bad_household_saves_nothing_and_names_it(
    village_households, official_a, today
):
    first, second, third = village_households
    second.status = HouseholdStatus.UNDER_CONSTRUCTION
    second.save()
    with pytest.raises(ValidationError) as excinfo:
        acceptance_record_batch(
            kind=COMPLETION,
            date=today,
            inspectors=team(),
            by=official_a,
            entries=[
                BatchEntry(first, all_pass(), "pass"),
                BatchEntry(second, all_pass(), "pass"),
                BatchEntry(third, {**all_pass(), "gas_leak": False}, "pass"),
            ],
        )
    assert excinfo.value.message_dict == {
        str(second.pk): ["该户尚未完工（当前状态：施工中），不能验收。"],
        str(third.pk): ["检查项目有不合格（燃气泄漏检测），不能判定为通过。"],
    }
    assert Acceptance.objects.count() == 0
    assert Acceptance.history.count() == 0


def test_batch_commissioning_accepts_each_household_and_signals_once_each(
    village_households, official_a, today
):
    for h in village_households:
        inspect(h, official_a, COMPLETION)
    seen = []

    def receiver(sender, household, by, **kw):
        seen.append(household.pk)

    signals.household_accepted.connect(receiver, dispatch_uid="batch-test")
    try:
        acceptance_record_batch(
            kind=COMMISSIONING,
            date=today,
            inspectors=team(),
            by=official_a,
            entries=[BatchEntry(h, all_pass(), "pass") for h in village_households],
        )
    finally:
        signals.household_accepted.disconnect(dispatch_uid="batch-test")
    assert sorted(seen) == sorted(h.pk for h in village_households)
    assert accepted_households(village_households[0].programme).count() == 3


def test_batch_needs_at_least_one_household(official_a, today, programme):
    with pytest.raises(ValidationError) as excinfo:
        acceptance_record_batch(
            kind=COMPLETION, date=today, inspectors=team(), by=official_a, entries=[]
        )
    assert excinfo.value.messages == ["请至少选择一户。"]


# --- queries ---------------------------------------------------------------------------------


def test_accepted_households_are_those_whose_commissioning_stands(
    programme, town_a, approved_plan_a, gas_contractor, official_a, district
):
    accepted = built_household(programme, town_a, gas_contractor, head_name="验收户")
    revoked = built_household(programme, town_a, gas_contractor, head_name="撤销户")
    hand_edited = built_household(
        programme, town_a, gas_contractor, head_name="手改户", status=HouseholdStatus.ACCEPTED
    )
    built_household(programme, town_a, gas_contractor, head_name="未验户")
    accept(accepted, official_a)
    record = accept(revoked, official_a)
    acceptance_revoke(acceptance=record, by=district, reason="资料不实")
    result = accepted_households(programme)
    assert list(result) == [accepted]
    assert hand_edited not in result
    assert list(result.for_user(official_a)) == [accepted]
    # The same definition on rows that hang off a household (as subsidies' instalments do).
    on_rows = Acceptance.objects.filter(accepted_filter("household__"))
    assert {r.household_id for r in on_rows} == {accepted.pk}


def test_progress_by_town_counts_against_the_quota(
    programme,
    town_a,
    approved_plan_a,
    gas_contractor,
    official_a,
    district,
    built_household_b,
    approved_plan_b,
    official_b,
):
    households = [built_household(programme, town_a, gas_contractor) for _ in range(4)]
    accept(households[0], official_a)
    accept(households[1], official_a)
    inspect(households[2], official_a, COMPLETION)
    failed = inspect(households[3], official_a, COMPLETION, result="fail")
    accept(built_household_b, official_b)
    rows = {r.town_code: r for r in acceptance_progress_by_town(programme, district)}
    assert len(rows) == 9
    hongshan = rows["hongshan"]
    assert (hongshan.quota, hongshan.accepted, hongshan.completion_passed, hongshan.rectifying) == (
        458,
        2,
        3,
        1,
    )
    assert str(hongshan.percent) == "0.4"
    assert (rows["kunlun"].quota, rows["kunlun"].accepted) == (500, 1)
    assert rows["shuangyang"].accepted == 0
    # A rectified failure stays counted as in rectification until re-inspected.
    Rectification.objects.create(acceptance=failed, description="已整改", date=failed.date)
    assert acceptance_progress_by_town(programme, official_a)[0].rectifying == 1
    assert [r.town_code for r in acceptance_progress_by_town(programme, official_a)] == ["hongshan"]


def test_milestone_days_before_and_after_9_30(programme):
    before = acceptance_milestone(programme, today=datetime.date(2021, 9, 20))
    assert (before.due, before.days, before.overdue) == (datetime.date(2021, 9, 30), 10, False)
    after = acceptance_milestone(programme, today=datetime.date(2021, 10, 3))
    assert (after.days, after.overdue, after.days_after) == (-3, True, 3)


def test_a_met_milestone_reads_as_done_on_time_or_how_late(
    programme, town_a, approved_plan_a, official_a, gas_contractor, client_for
):
    Quota.objects.filter(programme=programme).exclude(town=town_a).delete()
    Quota.objects.filter(programme=programme, town=town_a).update(households=2)
    first, second = (built_household(programme, town_a, gas_contractor) for _ in range(2))
    accept(first, official_a, date=datetime.date(2021, 9, 20))
    unmet = acceptance_milestone(programme, today=datetime.date(2021, 10, 3))
    assert (unmet.met, unmet.overdue, unmet.days_after) == (False, True, 3)
    accept(second, official_a, date=datetime.date(2021, 10, 2))
    late = acceptance_milestone(programme, today=datetime.date(2026, 12, 1))
    assert (late.met_on, late.overdue, late.late_by) == (datetime.date(2021, 10, 2), False, 2)
    html = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert "调试验收已于 2021-10-02 完成，比时限 2021-09-30 晚 2 天" in html
    assert "已过" not in html.split('id="acceptance-days"')[1].split("</strong>")[0]
