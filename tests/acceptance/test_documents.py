"""Printable acceptance documents: a household's certificate and a village's summary, read back."""

import pytest
from django.urls import reverse

from acceptance.models import AcceptanceKind
from tasks.models import IdNumberView
from tests.acceptance.conftest import accept, built_household, inspect
from tests.access import battery
from tests.factories import UserFactory
from tests.tasks.plans.test_documents import read_pdf

pytestmark = pytest.mark.django_db


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


@pytest.fixture
def completion_a(built_household_a, official_a):
    return inspect(built_household_a, official_a, AcceptanceKind.COMPLETION)


def test_the_completion_certificate_prints_the_household_checklist_team_and_result(
    client_for, official_a, completion_a, built_household_a, tmp_path
):
    h = built_household_a
    url = reverse("acceptance:certificate", args=[completion_a.pk])
    text = read_pdf(client_for(official_a).get(url), tmp_path)
    for expected in (
        "竣工验收单",
        "王建国",
        masked(h.id_number),
        "洪山镇",
        h.village.name,
        "气代煤",
        "淄川区燃气有限公司",
        "燃气泄漏检测",
        "燃气报警器已安装",
        "合格",
        "张村官",
        "赵师傅",
        "通过",
        completion_a.date.strftime("%Y年%-m月%-d日"),
        "签字",
        "盖章",
    ):
        assert expected in text, expected
    assert h.id_number not in text
    assert not IdNumberView.objects.exists()


def test_the_commissioning_certificate_and_a_failed_result(
    client_for, official_a, built_household_a, tmp_path
):
    inspect(built_household_a, official_a, AcceptanceKind.COMPLETION)
    failed = inspect(built_household_a, official_a, AcceptanceKind.COMMISSIONING, result="fail")
    url = reverse("acceptance:certificate", args=[failed.pk])
    text = read_pdf(client_for(official_a).get(url), tmp_path)
    for expected in ("调试验收单", "不通过", "不合格", "燃气报警器未安装", "整改期限"):
        assert expected in text, expected


def test_a_role_with_the_full_id_permission_sees_it_and_the_view_is_logged(
    client_for, finance, completion_a, built_household_a, tmp_path
):
    url = reverse("acceptance:certificate", args=[completion_a.pk])
    text = read_pdf(client_for(finance).get(url), tmp_path)
    assert built_household_a.id_number in text
    log = IdNumberView.objects.get()
    assert (log.household, log.viewed_by, log.context) == (built_household_a, finance, "document")


def test_the_household_page_links_each_certificate(client_for, official_a, completion_a):
    page = client_for(official_a).get(
        reverse("acceptance:household", args=[completion_a.household_id])
    )
    assert reverse("acceptance:certificate", args=[completion_a.pk]) in page.content.decode()


def test_certificate_access_battery(cast, completion_a):
    battery(
        reverse("acceptance:certificate", args=[completion_a.pk]),
        ok=[cast["official_a"], cast["district"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
        wrong_method="post",
    )


def test_the_village_summary_lists_households_accepted_or_not_with_dates(
    client_for, official_a, programme, town_a, built_household_a, gas_contractor, tmp_path
):
    accept(built_household_a, official_a)
    waiting = built_household(programme, town_a, gas_contractor, head_name="李秀英")
    record = inspect(waiting, official_a, AcceptanceKind.COMPLETION)
    village = built_household_a.village
    url = reverse("acceptance:village_summary", args=[village.pk])
    text = read_pdf(client_for(official_a).get(url), tmp_path)
    for expected in (
        f"{village.name}清洁取暖改造验收汇总表",
        "王建国",
        "李秀英",
        "已验收",
        "未验收",
        record.date.strftime("%Y-%m-%d"),
        "已验收户数",
        "签字",
        "盖章",
    ):
        assert expected in text, expected
    lines = [line.split() for line in text.splitlines()]
    assert ["已验收户数", "1"] in lines and ["改造户数", "2"] in lines


def test_the_list_filtered_by_village_and_the_batch_page_link_the_summary(
    client_for, official_a, built_household_a
):
    village = built_household_a.village
    url = reverse("acceptance:village_summary", args=[village.pk])
    client = client_for(official_a)
    assert url in client.get(reverse("acceptance:list"), {"village": village.pk}).content.decode()
    batch = client.get(reverse("acceptance:batch"), {"village": village.pk, "kind": "completion"})
    assert url in batch.content.decode()


def test_village_summary_access_battery(cast, built_household_a):
    battery(
        reverse("acceptance:village_summary", args=[built_household_a.village_id]),
        ok=[cast["official_a"], cast["district"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
        wrong_method="post",
    )


def test_an_english_certificate_reads_english_dates_and_signature_lines(
    client_for, official_a, built_household_a, tmp_path
):
    record = inspect(built_household_a, official_a, AcceptanceKind.COMPLETION)
    client = client_for(official_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = read_pdf(client.get(reverse("acceptance:certificate", args=[record.pk])), tmp_path)
    for expected in (
        f"{record.date.day} {record.date:%B} {record.date.year}",
        "Page 1 of 1",
        "Head of household (signature):",
        "Contractor (seal):",
        "Date: ____ / __ / __",
    ):
        assert expected in text, (expected, text)
    assert "签字" not in text and "盖章" not in text and "年" not in text.replace("年度", "")
