"""Every finance URL gets the access battery; pages show what they should; POSTs are
idempotent (a double click pays once)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from subsidies import services
from subsidies.models import BatchLine, Instalment
from tests.access import battery
from tests.subsidies.helpers import bank_return_file, pay_on_estimate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programme, make_accepted, town_a, town_b, finance, finance2):
    ha = make_accepted(town_a, head_name="张甲")
    hb = make_accepted(town_b, head_name="李乙")
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    return {"ha": ha, "hb": hb, "batch": batch}


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


def test_read_pages_battery(world, cast):
    c = cast
    finance_side = [c["finance"], c["finance2"], c["district"], c["administrator"]]
    battery(url("overview"), ok=[*finance_side, c["official_a"]], wrong_method="post")
    battery(url("standard_list"), ok=finance_side, forbidden=[c["official_a"]], wrong_method="post")
    battery(url("batch_list"), ok=finance_side, forbidden=[c["official_a"]], wrong_method="post")
    battery(
        url("batch_detail", world["batch"].pk),
        ok=finance_side,
        forbidden=[c["official_a"]],
        wrong_method="post",
    )
    battery(
        url("household_schedule", world["ha"].pk),
        ok=[*finance_side, c["official_a"]],
        not_found=[c["official_b"]],
        wrong_method="post",
    )


def test_finance_only_pages_battery(world, cast, standards):
    c = cast
    others = [c["official_a"], c["district"]]
    battery(url("batch_prepare"), ok=[c["finance"]], forbidden=others, wrong_method="put")
    battery(
        url("standard_edit", standards["gas"].pk),
        ok=[c["finance"]],
        forbidden=others,
        wrong_method="put",
    )
    pk = world["batch"].pk
    line = world["batch"].lines.first().pk
    # Money-moving POSTs: without the confirmation they change nothing and redirect back.
    for name, args in [
        ("batch_approve", (pk,)),
        ("batch_return", (pk,)),
        ("batch_resubmit", (pk,)),
        ("batch_withdraw", (pk,)),
        ("batch_export", (pk,)),
        ("batch_mark_paid", (pk,)),
        ("line_fail", (pk, line)),
        ("bank_return", (pk,)),
    ]:
        battery(
            url(name, *args),
            ok=[c["finance2"]],
            forbidden=others,
            method="post",
            ok_status=302,
            wrong_method="get",
        )
    battery(url("batch_download", pk), ok=[c["finance"]], forbidden=others, ok_status=302)
    world["batch"].refresh_from_db()
    assert world["batch"].state == "draft"
    assert not BatchLine.objects.exclude(state="included").exists()


def test_a_town_official_sees_only_their_own_towns_amounts(world, client_for, official_a):
    page = client_for(official_a).get(url("overview")).content.decode()
    assert "洪山镇" in page and "昆仑镇" not in page


def test_the_standards_page_says_the_values_are_examples(standards, client_for, finance):
    page = client_for(finance).get(url("standard_list")).content.decode()
    assert page.count("示例") >= 3


def test_editing_a_standard_saves_a_new_version_and_reprices(world, standards, client_for, finance):
    s = standards["central"]
    data = {
        "effective_from": "2022-06-01",
        "construction_amount": "2000.00",
        "equipment_rate": "0",
        "equipment_cap": "",
        "operating_kind": "fixed",
        "operating_amount": "650.00",
        "operating_unit": "",
        "operating_unit_rate": "0",
        "operating_units_per_season": "0",
        "operating_cap": "",
        "seasons": "6",
        "notes": "正式标准",
    }
    r = client_for(finance).post(url("standard_edit", s.pk), data)
    assert r.status_code == 302
    assert s.__class__.objects.filter(route="central").count() == 2


def test_prepare_approve_export_pay_through_the_pages_and_a_double_click_pays_once(
    programme, make_accepted, town_b, client_for, finance, finance2, world
):
    f1, f2 = client_for(finance), client_for(finance2)
    choice = {"season": "2021-2022", "towns": [town_b.pk]}
    preview = f1.get(url("batch_prepare"), choice).context["confirm_form"].initial
    expected = {"expected_count": preview["expected_count"], "expected_total": "6700.00"}
    r = f1.post(url("batch_prepare"), {**choice, **expected, "confirm": "on"})
    assert r.status_code == 302
    from subsidies.models import DisbursementBatch

    batch = DisbursementBatch.objects.latest("id")
    assert r.url == batch.get_absolute_url()
    assert batch.total_amount == Decimal("6700.00")
    # the preparer's approve is refused, the second user's works; a second click is harmless
    f1.post(url("batch_approve", batch.pk), {"confirm": "on"})
    batch.refresh_from_db()
    assert batch.state == "draft"
    for _ in range(2):
        f2.post(url("batch_approve", batch.pk), {"confirm": "on"})
    f2.post(url("batch_export", batch.pk), {"confirm": "on"})
    r = f2.get(url("batch_download", batch.pk))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    paid = {"reference": "ZF2021-01", "date": "2021-12-01", "confirm": "on"}
    for _ in range(2):
        r = f1.post(url("batch_mark_paid", batch.pk), paid, follow=True)
    assert "当前状态为“已发放”，不能确认发放" in r.content.decode()
    batch.refresh_from_db()
    assert (batch.state, batch.payment_date) == ("paid", datetime.date(2021, 12, 1))
    assert BatchLine.objects.filter(batch=batch, state="paid").count() == 3
    assert Instalment.objects.filter(status="paid").count() == 3
    page = f1.get(url("household_schedule", world["hb"].pk)).content.decode()
    assert page.count("已发放") >= 3 and batch.number in page


def test_the_bank_return_upload_reports_its_counts(world, client_for, finance, finance2):
    batch = world["batch"]
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance2)
    line = batch.lines.first()
    f = bank_return_file([(line.pk, "", "失败", "账号错误")])
    f.name = "return.xlsx"
    r = client_for(finance).post(url("bank_return", batch.pk), {"file": f}, follow=True)
    assert "失败 1 笔" in r.content.decode()
    line.refresh_from_db()
    assert line.state == "failed"


def test_the_dashboard_panel_and_nav_show_subsidy_totals(world, client_for, finance, official_b):
    page = client_for(finance).get(reverse("progress:dashboard")).content.decode()
    assert 'id="subsidy-panel"' in page and "补贴发放" in page
    # two gas households: 3000 + 2800 + 6 × 900 each; town_a's first season items batched
    assert '<dd class="num" id="subsidy-committed">22,400.00 元</dd>' in page
    assert '<dd class="num" id="subsidy-batched">6,700.00 元</dd>' in page
    page_b = client_for(official_b).get(reverse("progress:dashboard")).content.decode()
    assert '<dd class="num" id="subsidy-committed">11,200.00 元</dd>' in page_b
    assert '<dd class="num" id="subsidy-batched">0.00 元</dd>' in page_b


def test_the_schedule_tag_renders_for_the_ledger_page(world):
    from django.template import Context, Template

    html = Template("{% load subsidy_tags %}{% household_schedule h %}").render(
        Context({"h": world["ha"]})
    )
    assert html.count("<tr data-item") == 8


def test_a_service_refusing_who_acts_answers_403_and_changes_nothing(
    world, client_for, finance2, monkeypatch
):
    def refuse(**kwargs):
        raise PermissionDenied("您没有执行此操作的权限。")

    monkeypatch.setattr(services, "batch_approve", refuse)
    r = client_for(finance2).post(url("batch_approve", world["batch"].pk), {"confirm": "on"})
    assert r.status_code == 403
    world["batch"].refresh_from_db()
    assert world["batch"].state == "draft"


def test_without_the_confirmation_box_nothing_is_approved(world, client_for, finance2):
    r = client_for(finance2).post(url("batch_approve", world["batch"].pk), {}, follow=True)
    assert "请勾选确认后再提交" in r.content.decode()
    world["batch"].refresh_from_db()
    assert world["batch"].state == "draft"
