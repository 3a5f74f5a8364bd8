"""Plan pages: the access battery for every URL, editing with the formset, review, diff, panel."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import PlanStatus, Route, TownPlan
from tasks.plans import services as ps
from tasks.plans.queries import approved_plan_town_ids
from tests.access import battery
from tests.factories import ContractorFactory, UserFactory, VillageFactory
from tests.tasks.plans.plan_helpers import approved_plan, draft_plan, line_dicts


@pytest.fixture
def submitted_a(programme, town_a, official_a):
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    return plan


def test_plan_index_access_battery_and_where_it_leads(cast, stranger):
    battery(
        reverse("plans:plan_index"),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        ok_status=302,
        forbidden=[cast["finance"], stranger],
    )
    from django.test import Client

    c = Client()
    c.force_login(cast["official_a"])
    assert c.get(reverse("plans:plan_index")).url == "/plans/town/hongshan/"
    c.force_login(cast["district"])
    assert c.get(reverse("plans:plan_index")).url == "/plans/review/"


def test_town_plan_page_access_battery(cast, town_a, stranger):
    battery(
        reverse("plans:plan_town", args=[town_a.code]),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"], stranger],
    )


def test_plan_edit_access_battery(cast, town_a, stranger):
    battery(
        reverse("plans:plan_edit", args=[town_a.code]),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
        wrong_method="put",
    )


def test_plan_detail_and_submission_access_battery(cast, submitted_a, stranger):
    for url in (
        reverse("plans:plan_detail", args=[submitted_a.pk]),
        reverse("plans:plan_submission", args=[submitted_a.submissions.get().pk]),
    ):
        battery(
            url,
            ok=[cast["official_a"], cast["district"], cast["administrator"]],
            not_found=[cast["official_b"]],
            forbidden=[cast["finance"], stranger],
        )


def test_plan_submit_access_battery(cast, programme, town_a, stranger):
    plan = draft_plan(programme, town_a, cast["official_a"])
    url = reverse("plans:plan_submit", args=[plan.pk])
    battery(
        url,
        method="post",
        ok=[],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
        wrong_method="get",
    )
    battery(url, method="post", ok=[cast["official_a"]], ok_status=302, wrong_method="get")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_plan_approve_and_return_access_battery(cast, submitted_a, stranger):
    approve = reverse("plans:plan_approve", args=[submitted_a.pk])
    battery(
        approve,
        ok=[cast["district"]],
        forbidden=[cast["official_a"], cast["official_b"], cast["finance"], stranger],
        wrong_method="put",
    )
    ret = reverse("plans:plan_return", args=[submitted_a.pk])
    battery(
        ret,
        method="post",
        ok=[],
        forbidden=[cast["official_a"], cast["official_b"], cast["finance"], stranger],
        data={"comment": "x"},
        wrong_method=None,
    )
    battery(ret, method="post", ok=[cast["district"]], ok_status=302, wrong_method="get")
    submitted_a.refresh_from_db()
    # The battery posted with no comment: refused, nothing changed.
    assert submitted_a.status == PlanStatus.SUBMITTED


def test_review_queue_overview_and_threshold_access_battery(cast, stranger):
    for name in ("plan_review_queue", "plan_overview"):
        battery(
            reverse(f"plans:{name}"),
            ok=[cast["district"]],
            forbidden=[cast["official_a"], cast["finance"], stranger],
        )
    battery(
        reverse("plans:plan_threshold"),
        method="post",
        ok=[cast["district"]],
        ok_status=302,
        forbidden=[cast["official_a"], cast["finance"], stranger],
        data={"behind_threshold_percent": "15"},
        wrong_method="get",
    )


def test_official_creates_a_plan_with_the_formset_and_submits(
    client_for, programme, town_a, official_a, district
):
    v1 = VillageFactory(town=town_a, name="东村")
    v2 = VillageFactory(town=town_a, name="西村")
    contractor = ContractorFactory(name="淄川燃气公司")
    client = client_for(official_a)
    url = reverse("plans:plan_edit", args=[town_a.code])
    assert client.get(url).status_code == 200

    def row(i, village, households):
        return {
            f"lines-{i}-village": village.pk,
            f"lines-{i}-route": Route.GAS,
            f"lines-{i}-households": households,
            f"lines-{i}-planned_start": "2021-06-20",
            f"lines-{i}-planned_finish": "2021-08-25",
            f"lines-{i}-contractor": contractor.pk,
            f"lines-{i}-contractor_safety_officer": "张安全",
            f"lines-{i}-contractor_safety_phone": "13905331111",
            f"lines-{i}-village_safety_officer": "李村",
            f"lines-{i}-village_safety_phone": "13905332222",
        }

    data = {
        "summary": "两村气代煤",
        "emergency_arrangements": "值班电话 5180000",
        "quota_shortfall_reason": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **row(0, v1, 300),
        **row(1, v2, 158),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    plan = TownPlan.objects.get(town=town_a)
    assert sorted(plan.lines.values_list("village__name", "households")) == [
        ("东村", 300),
        ("西村", 158),
    ]
    page = client.get(reverse("plans:plan_town", args=[town_a.code])).content.decode()
    assert "方案已保存。" in page
    assert "报送区清洁取暖办" in page
    assert "报送前还需处理" not in page

    response = client.post(reverse("plans:plan_submit", args=[plan.pk]), follow=True)
    assert "方案已报送区清洁取暖办审核。" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert (
        client_for(district).get(reverse("plans:plan_review_queue")).context["items"][0].plan
        == plan
    )


def test_a_village_of_another_town_cannot_be_chosen_in_the_formset(
    client_for, programme, town_a, town_b, official_a
):
    other = VillageFactory(town=town_b, name="昆仑村")
    response = client_for(official_a).post(
        reverse("plans:plan_edit", args=[town_a.code]),
        {
            "summary": "",
            "emergency_arrangements": "",
            "quota_shortfall_reason": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-village": other.pk,
            "lines-0-route": Route.GAS,
            "lines-0-households": "5",
            "lines-0-planned_start": "2021-06-20",
            "lines-0-planned_finish": "2021-08-25",
        },
    )
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["village"]
    assert not TownPlan.objects.exists()


def test_submit_with_failing_checks_shows_them_and_changes_nothing(
    client_for, programme, town_a, official_a
):
    plan = draft_plan(programme, town_a, official_a, emergency_arrangements="")
    response = client_for(official_a).post(
        reverse("plans:plan_submit", args=[plan.pk]), follow=True
    )
    assert "请填写应急联络安排。" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_review_queue_flags_a_shortfall(client_for, programme, town_a, official_a, district):
    from tests.tasks.plans.plan_helpers import valid_lines

    plan = draft_plan(
        programme,
        town_a,
        official_a,
        lines=valid_lines(town_a, 400),
        quota_shortfall_reason="58 户并入城区管网。",
    )
    ps.plan_submit(plan=plan, by=official_a)
    response = client_for(district).get(reverse("plans:plan_review_queue"))
    item = response.context["items"][0]
    assert (item.quota, item.total, item.shortfall) == (458, 400, True)
    assert "户数与任务不一致（已说明）" in response.content.decode()
    detail = client_for(district).get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert 'id="shortfall-flag"' in detail
    assert "58 户并入城区管网。" in detail


def test_district_returns_with_comment_then_approves_through_the_pages(
    client_for, submitted_a, official_a, district, programme, town_a
):
    client = client_for(district)
    client.post(
        reverse("plans:plan_return", args=[submitted_a.pk]), {"comment": "请补充演练安排。"}
    )
    submitted_a.refresh_from_db()
    assert submitted_a.status == PlanStatus.RETURNED
    town_page = client_for(official_a).get(reverse("plans:plan_town", args=[town_a.code]))
    assert "请补充演练安排。" in town_page.content.decode()

    ps.plan_update(plan=submitted_a, by=official_a, emergency_arrangements="每月演练。")
    ps.plan_submit(plan=submitted_a, by=official_a)
    url = reverse("plans:plan_approve", args=[submitted_a.pk])
    confirm_page = client.get(url)
    assert "确认核准洪山镇实施方案第1版？" in confirm_page.content.decode()
    # Without ticking the confirmation nothing happens.
    assert client.post(url, {"comment": ""}).status_code == 200
    submitted_a.refresh_from_db()
    assert submitted_a.status == PlanStatus.SUBMITTED
    assert client.post(url, {"comment": "同意", "confirm": "on"}).status_code == 302
    submitted_a.refresh_from_db()
    assert submitted_a.status == PlanStatus.APPROVED
    assert approved_plan_town_ids(programme) == {town_a.pk}


def test_plan_detail_shows_the_difference_from_the_previous_submission(
    client_for, submitted_a, official_a, district, town_a
):
    ps.plan_return(plan=submitted_a, by=district, comment="东边再加一村。")
    lines = line_dicts(submitted_a)
    lines[0]["households"] = 200
    lines[0]["village_safety_phone"] = "13905333333"
    lines.pop(1)
    lines.append(
        {**lines[0], "village": VillageFactory(town=town_a, name="新村"), "households": 258}
    )
    ps.plan_update(plan=submitted_a, by=official_a, lines=lines, summary="三村调整。")
    ps.plan_submit(plan=submitted_a, by=official_a)
    response = client_for(district).get(reverse("plans:plan_detail", args=[submitted_a.pk]))
    diff = response.context["diff"]
    assert [(c.label, c.old, c.new) for c in diff.fields] == [
        ("方案概述", "分两村实施气代煤。", "三村调整。")
    ]
    assert [x["village"] for x in diff.added] == ["新村"]
    assert [x["village"] for x in diff.removed] == ["洪山2村"]
    assert [(c.label, [(f.label, f.old, f.new) for f in c.changes]) for c in diff.changed] == [
        (
            "洪山1村·气代煤",
            [("改造户数", 229, 200), ("村级安全员电话", "13905332222", "13905333333")],
        )
    ]
    html = response.content.decode()
    assert "新增 <strong>新村·气代煤</strong>" in html
    assert "删除 <strong>洪山2村·气代煤</strong>" in html
    assert "<del>229</del> → <ins>200</ins>" in html


def test_editing_an_approved_plan_through_the_page_opens_a_revision(
    client_for, programme, town_a, official_a, district
):
    approved = approved_plan(programme, town_a, official_a, district)
    client = client_for(official_a)
    url = reverse("plans:plan_edit", args=[town_a.code])
    page = client.get(url)
    assert "保存后将生成新的修订版本" in page.content.decode()
    form = page.context["formset"]
    data = {
        "summary": "修订",
        "emergency_arrangements": approved.emergency_arrangements,
        "quota_shortfall_reason": "",
        "lines-TOTAL_FORMS": str(len(form.forms)),
        "lines-INITIAL_FORMS": str(form.initial_form_count()),
    }
    for i, f in enumerate(form.forms):
        for name, value in (f.initial or {}).items():
            data[f"lines-{i}-{name}"] = (
                value.isoformat() if isinstance(value, datetime.date) else value
            )
    response = client.post(url, data, follow=True)
    assert "已生成第2版修订方案；核准前原方案继续有效。" in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == PlanStatus.APPROVED and approved.summary == "分两村实施气代煤。"
    new = TownPlan.objects.get(revision=2)
    assert new.summary == "修订" and new.lines.count() == 2


def test_overview_marks_a_town_without_a_plan_after_6_15_as_behind(client_for, district, programme):
    response = client_for(district).get(reverse("plans:plan_overview"))
    rows = response.context["rows"]
    assert len(rows) == 9
    # The test clock is well past 2021: every milestone has passed and nothing is built.
    assert all(r.behind for r in rows)
    assert rows[0].missed == ["实施方案", "工程建设", "调试验收"]


def test_threshold_is_saved_by_the_district(client_for, district, programme):
    client_for(district).post(reverse("plans:plan_threshold"), {"behind_threshold_percent": "12.5"})
    assert str(programme.schedule_setting.behind_threshold_percent) == "12.5"
    client_for(district).post(reverse("plans:plan_threshold"), {"behind_threshold_percent": "120"})
    programme.schedule_setting.refresh_from_db()
    assert str(programme.schedule_setting.behind_threshold_percent) == "12.5"


def test_dashboard_panel_shows_each_towns_plan_state_against_6_15(
    client_for, district, official_a, approved_plan_a
):
    html = client_for(district).get(reverse("progress:dashboard")).content.decode()
    assert 'id="plans-panel"' in html
    assert "已核准 1/9" in html
    official_html = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert "已核准 1/1" in official_html
    assert "昆仑镇" not in official_html


def test_navigation_shows_plan_entries_by_permission(client_for, official_a, district, finance):
    official = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert 'href="/plans/"' in official and 'href="/plans/overview/"' not in official
    office = client_for(district).get(reverse("progress:dashboard")).content.decode()
    assert 'href="/plans/overview/"' in office
    fin = client_for(finance).get(reverse("progress:dashboard")).content.decode()
    assert 'href="/plans/"' not in fin and 'href="/supervision/"' not in fin


def test_construction_blocked_reason_follows_the_plan(programme, town_a, official_a, district):
    from tasks.plans.queries import construction_blocked_reason

    assert construction_blocked_reason(programme, town_a.pk) == (
        "本镇（街道）尚未编制实施方案，方案经区清洁取暖办核准后方可开工。"
    )
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    assert construction_blocked_reason(programme, town_a.pk) == (
        "本镇（街道）实施方案（第1版）已报送，经区清洁取暖办核准后方可开工。"
    )
    ps.plan_approve(plan=plan, by=district)
    assert construction_blocked_reason(programme, town_a.pk) is None
    # A pending revision does not block again: the approved one stays in force.
    ps.plan_update(plan=plan, by=official_a, summary="修订")
    assert construction_blocked_reason(programme, town_a.pk) is None


def test_admin_lists_plans_and_notices(client_for, administrator, programme, town_a, official_a):
    draft_plan(programme, town_a, official_a)
    client = client_for(administrator)
    for name in ("townplan", "townplansubmission", "planreview", "supervisionnotice"):
        assert client.get(f"/admin/tasks/{name}/").status_code == 200
    plan = TownPlan.objects.get()
    assert client.get(f"/admin/tasks/townplan/{plan.pk}/change/").status_code == 200


def test_overview_and_detail_queries_do_not_grow_with_towns(client_for, programme, district, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.models import Town
    from zichuan_heating.roles import Role

    def approve_in(codes):
        made = []
        for code in codes:
            town = Town.objects.get(code=code)
            official = UserFactory(username=f"o-{code}", town=town, role=Role.TOWN_OFFICIAL)
            made.append(approved_plan(programme, town, official, district))
        return made

    client = client_for(district)

    def queries(url):
        client.get(url)  # warm caches such as the session and content types
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = approve_in(["hongshan"])
    urls = [
        reverse("plans:plan_overview"),
        reverse("progress:dashboard"),
        reverse("plans:plan_detail", args=[first[0].pk]),
    ]
    one_town = [queries(u) for u in urls]
    approve_in(["kunlun", "shuangyang", "luocun"])
    four_towns = [queries(u) for u in urls]
    assert four_towns == one_town
    # And stay small in absolute terms.
    assert one_town[0] <= 14 and one_town[2] <= 20
