"""Supervision notices (督办): workflow, overdue, notifications, header badge, dashboard panel,
and the access battery for every URL."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks.models import NoticeState, SupervisionNotice
from tasks.plans import queries as pq
from tasks.plans import services as ps
from tests.access import battery


def issue(programme, town, district, days=7, title="进度滞后") -> SupervisionNotice:
    return ps.notice_issue(
        programme=programme,
        town=town,
        by=district,
        title=title,
        problem="完工进度低于计划 20 个百分点。",
        deadline=timezone.localdate() + datetime.timedelta(days=days),
    )


def make_overdue(notice: SupervisionNotice, days: int = 1) -> None:
    """The deadline passes: move it into the past rather than the clock forward."""
    SupervisionNotice.objects.filter(pk=notice.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=days)
    )


def test_the_full_notice_workflow_with_send_back(programme, town_a, official_a, district):
    notice = issue(programme, town_a, district)
    assert notice.state == NoticeState.OPEN
    assert official_a.notifications.get().title.startswith("督办：进度滞后（")

    notice = ps.notice_answer(notice=notice, by=official_a, answer="已增派两支施工队。")
    assert (notice.state, notice.answered_by) == (NoticeState.ANSWERED, official_a)
    assert district.notifications.get().title == "洪山镇已反馈督办整改情况：进度滞后"

    new_deadline = timezone.localdate() + datetime.timedelta(days=3)
    notice = ps.notice_send_back(
        notice=notice, by=district, comment="未见实效。", deadline=new_deadline
    )
    assert (notice.state, notice.office_comment, notice.deadline) == (
        NoticeState.SENT_BACK,
        "未见实效。",
        new_deadline,
    )
    notice = ps.notice_answer(notice=notice, by=official_a, answer="本周完工 60 户。")
    notice = ps.notice_close(notice=notice, by=district, comment="同意销号。")
    assert notice.state == NoticeState.CLOSED
    assert notice.closed_by == district
    assert list(notice.history.order_by("history_id").values_list("state", flat=True)) == [
        "open",
        "answered",
        "sent_back",
        "answered",
        "closed",
    ]
    assert official_a.notifications.count() == 3
    assert official_a.notifications.filter(read_at__isnull=True).count() == 3


def test_only_the_district_issues_closes_and_sends_back(
    programme, town_a, official_a, official_b, finance, district
):
    for user in (official_a, finance):
        with pytest.raises(PermissionDenied):
            issue(programme, town_a, user)
    notice = issue(programme, town_a, district)
    ps.notice_answer(notice=notice, by=official_a, answer="已整改。")
    for user in (official_a, official_b, finance):
        with pytest.raises(PermissionDenied):
            ps.notice_close(notice=notice, by=user)
        with pytest.raises(PermissionDenied):
            ps.notice_send_back(notice=notice, by=user, comment="x")
    notice.refresh_from_db()
    assert notice.state == NoticeState.ANSWERED


def test_only_the_towns_own_official_answers(programme, town_a, official_b, district):
    notice = issue(programme, town_a, district)
    for user in (official_b, district):
        with pytest.raises(PermissionDenied):
            ps.notice_answer(notice=notice, by=user, answer="x")
    notice.refresh_from_db()
    assert (notice.state, notice.answer) == (NoticeState.OPEN, "")


def test_state_rules_of_the_notice(programme, town_a, official_a, district):
    notice = issue(programme, town_a, district)
    with pytest.raises(ValidationError) as exc:
        ps.notice_close(notice=notice, by=district)
    assert exc.value.messages == ["当前状态为“待整改”，不能销号。"]
    with pytest.raises(ValidationError):
        ps.notice_answer(notice=notice, by=official_a, answer="  ")
    ps.notice_answer(notice=notice, by=official_a, answer="已整改。")
    with pytest.raises(ValidationError):
        ps.notice_answer(notice=notice, by=official_a, answer="再答一次")
    with pytest.raises(ValidationError) as exc:
        ps.notice_send_back(notice=notice, by=district, comment="")
    assert exc.value.messages == ["退回时必须说明理由。"]
    ps.notice_close(notice=notice, by=district)
    with pytest.raises(ValidationError):
        ps.notice_send_back(notice=notice, by=district, comment="晚了")


def test_a_deadline_in_the_past_is_refused(programme, town_a, district):
    with pytest.raises(ValidationError) as exc:
        issue(programme, town_a, district, days=-1)
    assert exc.value.message_dict == {"deadline": ["整改期限不能早于今天。"]}
    assert SupervisionNotice.objects.count() == 0


def test_overdue_means_awaiting_the_town_after_the_deadline(
    programme, town_a, official_a, district
):
    notice = issue(programme, town_a, district, days=0)
    deadline = notice.deadline
    assert list(SupervisionNotice.objects.overdue(deadline)) == []
    assert list(SupervisionNotice.objects.overdue(deadline + datetime.timedelta(days=1))) == [
        notice
    ]
    assert notice.is_overdue(deadline + datetime.timedelta(days=1))
    assert not notice.is_overdue(deadline)
    ps.notice_answer(notice=notice, by=official_a, answer="已整改。")
    notice.refresh_from_db()
    assert not notice.is_overdue(deadline + datetime.timedelta(days=30))
    counts = pq.notice_counts_for_town(town_a.pk, deadline + datetime.timedelta(days=1))
    assert counts == {"open": 0, "overdue": 0}


def test_header_badge_counts_the_towns_open_and_overdue_notices(
    client_for, programme, town_a, town_b, official_a, official_b, district
):
    issue(programme, town_a, district, title="一")
    make_overdue(issue(programme, town_a, district, title="二"))
    issue(programme, town_b, district, title="三")
    html = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert 'id="notice-count" title="待整改">2<' in html
    assert 'id="notice-overdue" title="已逾期">逾期 1<' in html
    html_b = client_for(official_b).get(reverse("progress:dashboard")).content.decode()
    assert 'id="notice-count" title="待整改">1<' in html_b
    assert 'id="notice-overdue"' not in html_b
    # Each notice also sent an in-app notification, counted in the unread badge.
    assert 'id="unread-count" aria-label="未读">2<' in html


def test_header_badge_costs_one_query(client_for, programme, town_a, official_a, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue(programme, town_a, district)
    client = client_for(official_a)
    client.get(reverse("notifications:list"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("notifications:list"))
    notice_queries = [q for q in ctx.captured_queries if "supervisionnotice" in q["sql"]]
    assert len(notice_queries) == 1


def test_dashboard_panel_lists_open_and_overdue_notices(
    client_for, programme, town_a, town_b, official_a, district
):
    make_overdue(issue(programme, town_a, district, title="洪山滞后"))
    issue(programme, town_b, district, title="昆仑滞后")
    html = client_for(district).get(reverse("progress:dashboard")).content.decode()
    assert 'id="supervision-panel"' in html
    assert "未销号 2 件，逾期 1 件" in html
    official_html = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert "未销号 1 件，逾期 1 件" in official_html
    assert "昆仑滞后" not in official_html


def test_notice_list_filters_overdue_and_is_scoped(
    client_for, programme, town_a, town_b, official_a, district
):
    late = issue(programme, town_a, district, title="逾期的")
    make_overdue(late)
    issue(programme, town_a, district, title="未到期的")
    issue(programme, town_b, district, title="别镇的")
    client = client_for(official_a)
    titles = [n.title for n in client.get(reverse("plans:notice_list")).context["page"].object_list]
    assert sorted(titles) == ["未到期的", "逾期的"]
    overdue = (
        client.get(reverse("plans:notice_list") + "?state=overdue").context["page"].object_list
    )
    assert [n.title for n in overdue] == ["逾期的"]


def test_notice_pages_access_battery(cast, programme, town_a, stranger):
    notice = issue(programme, town_a, cast["district"])
    battery(
        reverse("plans:notice_list"),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        forbidden=[cast["finance"], stranger],
    )
    battery(
        reverse("plans:notice_detail", args=[notice.pk]),
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"], stranger],
    )
    battery(
        reverse("plans:notice_issue"),
        ok=[cast["district"]],
        forbidden=[cast["official_a"], cast["finance"], stranger],
        wrong_method="put",
    )
    answer = reverse("plans:notice_answer", args=[notice.pk])
    battery(
        answer,
        method="post",
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
        ok=[],
        data={"answer": "x"},
    )
    battery(answer, method="post", ok=[cast["official_a"]], ok_status=302, wrong_method="get")
    for name in ("notice_close", "notice_send_back"):
        url = reverse(f"plans:{name}", args=[notice.pk])
        battery(
            url,
            method="post",
            ok=[cast["district"]],
            ok_status=302,
            forbidden=[cast["official_a"], cast["official_b"], cast["finance"], stranger],
            wrong_method="get",
        )
    notice.refresh_from_db()
    # The battery's empty answer was refused; close then ran on the still-open notice: refused.
    assert notice.state == NoticeState.OPEN
    assert notice.answer == ""


def test_issue_answer_and_close_through_the_pages(
    client_for, programme, town_a, official_a, district
):
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    office = client_for(district)
    response = office.post(
        reverse("plans:notice_issue"),
        {
            "town": town_a.pk,
            "title": "安全员未配齐",
            "problem": "东村缺村级安全员。",
            "deadline": deadline,
        },
    )
    notice = SupervisionNotice.objects.get()
    assert response.url == f"/supervision/{notice.pk}/"
    town = client_for(official_a)
    page = town.get(response.url).content.decode()
    assert 'id="answer-form"' in page
    town.post(reverse("plans:notice_answer", args=[notice.pk]), {"answer": "已配齐。"})
    page = office.get(response.url).content.decode()
    assert 'id="decide"' in page and "已配齐。" in page
    # Closing is final: without the ticked box nothing happens.
    office.post(reverse("plans:notice_close", args=[notice.pk]), {"comment": "核实无误"})
    notice.refresh_from_db()
    assert notice.state == NoticeState.ANSWERED
    close = {"comment": "核实无误", "confirm": "on"}
    office.post(reverse("plans:notice_close", args=[notice.pk]), close)
    notice.refresh_from_db()
    assert notice.state == NoticeState.CLOSED
    assert notice.office_comment == "核实无误"
    # The history names each step by its fixed reason.
    history = office.get(response.url).content.decode().split('id="notice-history"')[1]
    assert "下发督办" in history and "反馈整改情况" in history and "· 销号" in history
    # Nobody can act on a closed notice: no forms on the page.
    page = town.get(response.url).content.decode()
    assert 'id="answer-form"' not in page


def test_notice_issue_page_preselects_the_town_from_the_overview(client_for, district, town_b):
    response = client_for(district).get(reverse("plans:notice_issue") + "?town=kunlun")
    assert response.context["form"].initial["town"] == town_b


def test_finance_and_anonymous_headers_have_no_notice_badge(client_for, finance):
    assert "notice-badge-link" not in Client().get(reverse("login")).content.decode()
    assert (
        "notice-badge-link"
        not in client_for(finance).get(reverse("progress:dashboard")).content.decode()
    )
