"""Printable plan documents: the approved 实施方案 and a numbered supervision notice, read back."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tasks.models import Contractor, TownPlanLine, Village
from tasks.plans import services as ps
from tests.access import battery
from tests.factories import ProgrammeFactory, UserFactory
from tests.tasks.plans.test_supervision import issue
from tests.tasks.progress.conftest import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


def read_pdf(response, tmp_path) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    path = tmp_path / "doc.pdf"
    path.write_bytes(response.content)
    assert "Noto" in pdf_fonts(path)
    return pdf_text(path)


@pytest.fixture
def plan_with_lines(approved_plan_a, town_a, district):
    plan = approved_plan_a
    plan.summary = "全镇分两批实施。"
    plan.emergency_arrangements = "镇值班电话 0533-5180000，抢修队伍 24 小时待命。"
    plan.save()
    TownPlanLine.objects.create(
        plan=plan,
        village=Village.objects.get_or_create(town=town_a, name="太平村")[0],
        route="gas",
        households=48,
        planned_start=datetime.date(2021, 7, 1),
        planned_finish=datetime.date(2021, 8, 20),
        contractor=Contractor.objects.get_or_create(name="淄川区燃气有限公司", kind="gas")[0],
        contractor_safety_officer="赵安全",
        contractor_safety_phone="13905330001",
        village_safety_officer="钱村安",
        village_safety_phone="13905330002",
    )
    return plan


def test_the_approved_plan_prints_its_lines_safety_officers_and_approval(
    client_for, official_a, district, plan_with_lines, tmp_path
):
    url = reverse("plans:plan_document", args=[plan_with_lines.pk])
    text = read_pdf(client_for(official_a).get(url), tmp_path)
    for expected in (
        "洪山镇2021年冬季清洁取暖实施方案",
        "太平村",
        "气代煤",
        "48",
        "2021-07-01",
        "2021-08-20",
        "淄川区燃气有限公司",
        "赵安全",
        "13905330001",
        "钱村安",
        "13905330002",
        "应急联络安排",
        "0533-5180000",
        "核准人",
        str(district),
        plan_with_lines.approved_at.astimezone().strftime("%Y年%-m月%-d日"),
        "签字",
        "盖章",
    ):
        assert expected in text, expected


def test_the_plan_page_links_its_document(client_for, official_a, plan_with_lines):
    page = client_for(official_a).get(plan_with_lines.get_absolute_url())
    assert reverse("plans:plan_document", args=[plan_with_lines.pk]) in page.content.decode()


def test_plan_document_access_battery(cast, plan_with_lines):
    battery(
        reverse("plans:plan_document", args=[plan_with_lines.pk]),
        ok=[cast["official_a"], cast["district"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
    )


def test_a_plan_not_in_force_has_no_document(client_for, official_a, plan_with_lines):
    plan_with_lines.status = "draft"
    plan_with_lines.save()
    url = reverse("plans:plan_document", args=[plan_with_lines.pk])
    assert client_for(official_a).get(url).status_code == 404


def test_notices_are_numbered_in_sequence_per_programme(programme, town_a, town_b, district):
    first, second = issue(programme, town_a, district), issue(programme, town_b, district)
    assert (first.number, second.number) == (1, 2)
    assert second.document_number == "川清暖督〔2021〕2号"
    later = ProgrammeFactory(year=2022, is_active=False)
    other = ps.notice_issue(
        programme=later,
        town=town_a,
        by=district,
        title="进度滞后",
        problem="完工进度低于计划。",
        deadline=datetime.date.today() + datetime.timedelta(days=7),
    )
    assert other.document_number == "川清暖督〔2022〕1号"


def test_a_notice_number_is_unique_within_its_programme(programme, town_a, district):
    first = issue(programme, town_a, district)
    second = issue(programme, town_a, district)
    second.number = first.number
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_the_notice_prints_with_its_number(
    client_for, official_a, programme, town_a, district, tmp_path
):
    issue(programme, town_a, district)
    issue(programme, town_a, district)
    notice = issue(programme, town_a, district, title="燃气报警器未安装")
    url = reverse("plans:notice_document", args=[notice.pk])
    text = read_pdf(client_for(official_a).get(url), tmp_path)
    for expected in (
        "川清暖督〔2021〕3号",
        "督办通知",
        "洪山镇",
        "燃气报警器未安装",
        "完工进度低于计划 20 个百分点。",
        notice.deadline.strftime("%Y年%-m月%-d日"),
        "签字",
        "盖章",
    ):
        assert expected in text, expected
    page = client_for(official_a).get(notice.get_absolute_url()).content.decode()
    assert "川清暖督〔2021〕3号" in page and url in page


def test_notice_document_access_battery(cast, programme, town_a):
    notice = issue(programme, town_a, cast["district"])
    battery(
        reverse("plans:notice_document", args=[notice.pk]),
        ok=[cast["official_a"], cast["district"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_notices_issued_at_once_get_different_numbers(programme, town_a, town_b, district):
    barrier = threading.Barrier(2)
    numbers: list[int] = []

    def issue_one(town) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            numbers.append(issue(programme, town, district).number)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=issue_one, args=(t,)) for t in (town_a, town_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [1, 2]
