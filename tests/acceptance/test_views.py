"""Acceptance pages: the access battery for every URL, then what each page does."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from acceptance.models import Acceptance, AcceptanceKind, Attachment, Rectification
from tasks.models import HouseholdStatus, Village
from tasks.validators import mask_id_number
from tests.acceptance.conftest import accept, built_household, inspect, rectify
from tests.acceptance.files import jpeg_bytes, pdf_bytes, upload
from tests.access import battery
from tests.factories import UserFactory

COMPLETION = AcceptanceKind.COMPLETION
COMMISSIONING = AcceptanceKind.COMMISSIONING


@pytest.fixture
def stranger(programme):
    return UserFactory(username="no-role")


@pytest.fixture
def failed_a(built_household_a, official_a):
    inspect(built_household_a, official_a, COMPLETION)
    return inspect(built_household_a, official_a, COMMISSIONING, result="fail")


@pytest.fixture
def attachment_a(built_household_a, official_a):
    record = inspect(
        built_household_a,
        official_a,
        COMPLETION,
        attachments=[upload("验收单.pdf", pdf_bytes(), "application/pdf")],
    )
    return record.attachments.get()


# --- the access battery, one per URL ---------------------------------------------------------


def test_list_access_battery(cast, stranger, built_household_a):
    battery(
        reverse("acceptance:list"),
        ok=[cast["official_a"], cast["district"], cast["finance"], cast["administrator"]],
        forbidden=[stranger],
        wrong_method="post",
    )


def test_household_page_access_battery(cast, stranger, built_household_a):
    battery(
        reverse("acceptance:household", args=[built_household_a.pk]),
        ok=[cast["official_a"], cast["district"], cast["finance"]],
        not_found=[cast["official_b"]],
        forbidden=[stranger],
        wrong_method="post",
    )


def test_inspection_form_access_battery(cast, built_household_a):
    battery(
        reverse("acceptance:new", args=[built_household_a.pk]),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="put",
    )


def test_inspection_post_by_finance_is_403_and_by_other_town_404(cast, built_household_a):
    battery(
        reverse("acceptance:new", args=[built_household_a.pk]),
        method="post",
        ok=[],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"], cast["district"]],
        data={"kind": "completion"},
    )
    assert Acceptance.objects.count() == 0


def test_rectification_form_access_battery(cast, failed_a):
    battery(
        reverse("acceptance:rectify", args=[failed_a.pk]),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="put",
    )


def test_revoke_page_access_battery(cast, built_household_a, official_a):
    record = accept(built_household_a, official_a)
    battery(
        reverse("acceptance:revoke", args=[record.pk]),
        ok=[cast["district"]],
        forbidden=[cast["official_a"], cast["official_b"], cast["finance"]],
        wrong_method="put",
    )
    battery(
        reverse("acceptance:revoke", args=[record.pk]),
        method="post",
        data={"reason": "x"},
        ok=[],
        forbidden=[cast["official_a"], cast["finance"]],
    )
    record.refresh_from_db()
    assert record.revoked is False


def test_stove_removal_access_battery(cast, built_household_a):
    battery(
        reverse("acceptance:stove_removal", args=[built_household_a.pk]),
        method="post",
        data={"date": "2021-10-01"},
        ok=[cast["official_a"]],
        ok_status=302,
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="get",
    )


def test_attachment_download_access_battery(cast, stranger, attachment_a):
    battery(
        reverse("acceptance:attachment", args=[attachment_a.pk]),
        ok=[cast["official_a"], cast["district"], cast["finance"]],
        not_found=[cast["official_b"]],
        forbidden=[stranger],
        wrong_method="post",
    )


def test_batch_access_battery(cast, built_household_a):
    battery(
        reverse("acceptance:batch"),
        ok=[cast["official_a"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="put",
    )
    village = built_household_a.village
    battery(
        reverse("acceptance:batch") + f"?village={village.pk}&kind=completion",
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
    )


def test_register_export_access_battery(cast, stranger, built_household_a):
    battery(
        reverse("acceptance:register") + "?town=hongshan",
        ok=[cast["official_a"], cast["district"], cast["finance"]],
        not_found=[cast["official_b"]],
        forbidden=[stranger],
        wrong_method="post",
    )


# --- the household page and its actions ------------------------------------------------------


def test_household_page_shows_records_checklist_and_masked_id(
    client_for, built_household_a, official_a
):
    inspect(built_household_a, official_a, COMPLETION)
    html = client_for(official_a).get(reverse("acceptance:household", args=[built_household_a.pk]))
    text = html.content.decode()
    assert "竣工验收" in text and "通过" in text and "燃气报警器已安装" in text
    assert "赵师傅（淄川区燃气有限公司，施工单位）" in text
    assert mask_id_number(built_household_a.id_number) in text
    assert built_household_a.id_number not in text
    assert 'id="acceptance-state">待调试验收<' in text


def test_official_records_an_inspection_through_the_form(client_for, built_household_a, official_a):
    client = client_for(official_a)
    url = reverse("acceptance:new", args=[built_household_a.pk])
    page = client.get(url).content.decode()
    # The checklist fits the gas route, and the contractor's row is prefilled.
    assert "管道压力试验" in page and "线路容量满足要求" not in page
    assert 'value="淄川区燃气有限公司"' in page
    today = datetime.date.today()
    data = {
        "kind": "completion",
        "date": today.isoformat(),
        "result": "pass",
        "team-TOTAL_FORMS": "3",
        "team-INITIAL_FORMS": "0",
        "team-0-name": "张村官",
        "team-0-organisation": "东村村委会",
        "team-1-name": "赵师傅",
        "team-1-organisation": "淄川区燃气有限公司",
        "team-1-is_contractor": "on",
        "attachments": [upload("现场.jpg", jpeg_bytes(), "image/jpeg")],
        **{
            f"item_{code}": "1"
            for code in (
                "gas_pipe_pressure",
                "gas_leak",
                "gas_alarm",
                "gas_flue",
                "gas_boiler_runs",
            )
        },
    }
    response = client.post(url, data)
    assert response.status_code == 302
    record = Acceptance.objects.get()
    assert (record.kind, record.result, record.recorded_by) == ("completion", "pass", official_a)
    assert record.attachments.get().kind == "jpeg"


def test_form_shows_service_messages_and_saves_nothing(client_for, built_household_a, official_a):
    data = {
        "kind": "commissioning",
        "date": datetime.date.today().isoformat(),
        "result": "pass",
        "team-TOTAL_FORMS": "1",
        "team-INITIAL_FORMS": "0",
        "team-0-name": "张村官",
        "team-0-organisation": "东村村委会",
        **{
            f"item_{code}": "1"
            for code in (
                "gas_pipe_pressure",
                "gas_leak",
                "gas_alarm",
                "gas_flue",
                "gas_boiler_runs",
            )
        },
    }
    response = client_for(official_a).post(
        reverse("acceptance:new", args=[built_household_a.pk]), data
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "须先通过竣工验收，才能进行调试验收。" in text
    assert "验收人员至少两人。" in text
    assert Acceptance.objects.count() == 0


def test_rectification_through_the_form(client_for, failed_a, official_a):
    response = client_for(official_a).post(
        reverse("acceptance:rectify", args=[failed_a.pk]),
        {"description": "已补装报警器", "date": datetime.date.today().isoformat()},
    )
    assert response.status_code == 302
    assert Rectification.objects.get().acceptance == failed_a


def test_district_revokes_with_confirmation_and_reason(
    client_for, built_household_a, official_a, district
):
    record = accept(built_household_a, official_a)
    client = client_for(district)
    url = reverse("acceptance:revoke", args=[record.pk])
    page = client.get(url).content.decode()
    assert "确认撤销" in page and "撤销原因" in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.revoked is False
    assert 'type="checkbox" name="confirm"' in page and "checked" not in page
    # The reason alone is not enough: the box must be ticked by the user.
    response = client.post(url, {"reason": "现场核查设备未安装"})
    assert response.status_code == 200 and "请勾选确认后再提交" in response.content.decode()
    record.refresh_from_db()
    assert record.revoked is False
    response = client.post(url, {"reason": "现场核查设备未安装", "confirm": "on"})
    assert response.status_code == 302
    record.refresh_from_db()
    built_household_a.refresh_from_db()
    assert record.revoked and record.revoke_reason == "现场核查设备未安装"
    assert built_household_a.status == HouseholdStatus.BUILT


def test_stove_removal_form_refuses_before_acceptance_and_records_after(
    client_for, built_household_a, official_a
):
    client = client_for(official_a)
    url = reverse("acceptance:stove_removal", args=[built_household_a.pk])
    today = datetime.date.today().isoformat()
    response = client.post(url, {"date": today}, follow=True)
    assert "该户尚未通过调试验收，不能登记燃煤炉具拆除（先立后破）。" in response.content.decode()
    built_household_a.refresh_from_db()
    assert built_household_a.coal_stove_removed_on is None
    accept(built_household_a, official_a)
    response = client.post(url, {"date": today}, follow=True)
    assert f'id="stove-removed-on">{today}<' in response.content.decode()


def test_attachment_download_returns_the_file_with_its_type(client_for, attachment_a, finance):
    response = client_for(finance).get(reverse("acceptance:attachment", args=[attachment_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert "attachment" in response["Content-Disposition"]


def test_list_shows_awaiting_and_rectifying_households_of_own_town_only(
    client_for,
    built_household_a,
    built_household_b,
    failed_a,
    official_a,
    programme,
    town_a,
    gas_contractor,
):
    waiting = built_household(programme, town_a, gas_contractor, head_name="待验户")
    built_household(
        programme,
        town_a,
        gas_contractor,
        head_name="施工户",
        status=HouseholdStatus.UNDER_CONSTRUCTION,
    )
    client = client_for(official_a)
    text = client.get(reverse("acceptance:list")).content.decode()
    assert "王建国" in text and "待验户" in text
    assert "李春梅" not in text and "施工户" not in text
    text = client.get(reverse("acceptance:list") + "?state=rectifying").content.decode()
    assert "王建国" in text and waiting.head_name not in text
    assert "整改中" in text


def test_nav_has_the_acceptance_entry(client_for, official_a, finance, programme):
    for user in (official_a, finance):
        text = client_for(user).get(reverse("progress:dashboard")).content.decode()
        assert ">竣工验收</a>" in text


def test_dashboard_panel_shows_accepted_against_quota(
    client_for, built_household_a, official_a, district
):
    accept(built_household_a, official_a)
    text = client_for(district).get(reverse("progress:dashboard")).content.decode()
    assert 'id="acceptance-panel"' in text
    assert "调试验收时限 2021-09-30 已过" in text
    html = text[text.index('id="acceptance-progress"') :]
    row = html[html.index('data-acceptance-town="hongshan"') :]
    assert '<td class="num accepted">1</td>' in row[:600]
    assert '<td class="num percent">0.2%</td>' in row[:600]


# --- batch through the page ------------------------------------------------------------------


def in_page_order(page: str, households):
    by_pk = {h.pk: h for h in households}
    return [by_pk[int(pk)] for pk in re.findall(r'<tr data-household="(\d+)"', page)]


def _batch_post(households, *, include, results, date):
    data = {
        "date": date,
        "team-TOTAL_FORMS": "2",
        "team-INITIAL_FORMS": "0",
        "team-0-name": "张村官",
        "team-0-organisation": "东村村委会",
        "team-1-name": "赵师傅",
        "team-1-organisation": "淄川区燃气有限公司",
        "team-1-is_contractor": "on",
        "rows-TOTAL_FORMS": str(len(households)),
        "rows-INITIAL_FORMS": "0",
    }
    for i, (h, inc, (result, alarm)) in enumerate(zip(households, include, results, strict=True)):
        data[f"rows-{i}-household_id"] = str(h.pk)
        if inc:
            data[f"rows-{i}-include"] = "on"
        data[f"rows-{i}-result"] = result
        for code in ("gas_pipe_pressure", "gas_leak", "gas_flue", "gas_boiler_runs"):
            data[f"rows-{i}-item_{code}"] = "1"
        data[f"rows-{i}-item_gas_alarm"] = alarm
        if result == "fail":
            data[f"rows-{i}-defects"] = "未装报警器"
            data[f"rows-{i}-rectification_deadline"] = "2099-01-01"
    return data


@pytest.fixture
def three_in_village(programme, town_a, approved_plan_a, gas_contractor):
    return [
        built_household(programme, town_a, gas_contractor, head_name=n)
        for n in ("甲户", "乙户", "丙户")
    ]


def test_village_batch_in_one_screen_saves_all(client_for, official_a, three_in_village):
    village = Village.objects.get(name="东村", town=three_in_village[0].town)
    url = reverse("acceptance:batch") + f"?village={village.pk}&kind=completion"
    client = client_for(official_a)
    page = client.get(url).content.decode()
    assert all(h.head_name in page for h in three_in_village)
    three_in_village = in_page_order(page, three_in_village)
    today = datetime.date.today().isoformat()
    data = _batch_post(
        three_in_village,
        include=[True, True, False],
        results=[("pass", "1"), ("fail", "0"), ("", "")],
        date=today,
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert sorted(Acceptance.objects.values_list("household__head_name", "result")) == sorted(
        [(three_in_village[0].head_name, "pass"), (three_in_village[1].head_name, "fail")]
    )
    assert not Acceptance.objects.filter(household=three_in_village[2]).exists()


def test_village_batch_with_one_bad_row_saves_nothing(client_for, official_a, three_in_village):
    village = three_in_village[0].village
    url = reverse("acceptance:batch") + f"?village={village.pk}&kind=completion"
    client = client_for(official_a)
    three_in_village = in_page_order(client.get(url).content.decode(), three_in_village)
    data = _batch_post(
        three_in_village,
        include=[True, True, True],
        results=[("pass", "1"), ("pass", "0"), ("pass", "1")],
        date=datetime.date.today().isoformat(),
    )
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('class="errorlist"') >= 1
    assert "检查项目有不合格（燃气报警器已安装），不能判定为通过。" in text
    assert "有改造户未通过校验，本次验收一户也未保存" in text
    assert Acceptance.objects.count() == 0


# --- the register export ---------------------------------------------------------------------


def _sheet(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_register_export_lists_records_masks_ids_and_neutralises_formulas(
    client_for, built_household_a, built_household_b, official_a, official_b, finance
):
    built_household_a.head_name = '=HYPERLINK("http://x")'
    built_household_a.save()
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(
        built_household_a, official_a, COMMISSIONING, result="fail", defects="+报警器缺失"
    )
    rectify(failed, official_a)
    inspect(built_household_b, official_b, COMPLETION)

    response = client_for(official_a).get(reverse("acceptance:register"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = _sheet(response)
    header = rows[0]
    assert header[:9] == [
        "镇（街道）",
        "村（居）",
        "户主姓名",
        "身份证号",
        "改造方式",
        "实施单位",
        "验收类型",
        "验收日期",
        "验收结果",
    ]
    body = rows[1:]
    assert len(body) == 2  # town_a only
    assert body[0][2] == '\'=HYPERLINK("http://x")'
    assert body[0][3] == mask_id_number(built_household_a.id_number)
    assert [r[6] for r in body] == ["竣工验收", "调试验收"]
    assert [r[8] for r in body] == ["通过", "不通过"]
    assert body[1][header.index("不合格项目")] == "燃气报警器已安装"
    assert body[1][header.index("存在问题")] == "'+报警器缺失"
    assert body[1][header.index("整改情况")] == "已补装燃气报警器"
    assert all(cell is None or not str(cell).startswith("=") for row in body for cell in row)

    # Finance holds tasks.view_full_id_number and sees every town unless it names one.
    rows = _sheet(client_for(finance).get(reverse("acceptance:register") + "?town=hongshan"))
    assert rows[1][3] == built_household_a.id_number
    assert len(_sheet(client_for(finance).get(reverse("acceptance:register")))) == 4


def test_attachment_rows_are_scoped_in_the_database_too(
    built_household_a, attachment_a, official_b
):
    assert not Attachment.objects.for_user(official_b).exists()
    assert list(Attachment.objects.for_user(built_household_a.town.officials.first())) == [
        attachment_a
    ]


def test_batch_rows_that_shifted_since_the_page_was_shown_are_refused(
    client_for, official_a, three_in_village
):
    village = three_in_village[0].village
    url = reverse("acceptance:batch") + f"?village={village.pk}&kind=completion"
    client = client_for(official_a)
    shown = in_page_order(client.get(url).content.decode(), three_in_village)
    data = _batch_post(
        shown,
        include=[True, True, True],
        results=[("pass", "1")] * 3,
        date=datetime.date.today().isoformat(),
    )
    data["rows-0-household_id"], data["rows-1-household_id"] = (
        data["rows-1-household_id"],
        data["rows-0-household_id"],
    )
    response = client.post(url, data)
    assert "该村待验收名单已变化，请重新打开本页。" in response.content.decode()
    assert Acceptance.objects.count() == 0


def test_household_page_in_english(client_for, built_household_a, official_a):
    inspect(built_household_a, official_a, COMPLETION)
    client = client_for(official_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("acceptance:household", args=[built_household_a.pk])).content.decode()
    assert "Acceptance status" in text and "Pipe pressure test" in text
    assert "Awaiting commissioning" in text and "Head of household" not in text
    assert "Contractor" in text  # a generic word from the app catalogue


def test_list_page_queries_do_not_grow_with_rows(
    client_for,
    official_a,
    programme,
    town_a,
    approved_plan_a,
    gas_contractor,
    django_assert_max_num_queries,
):
    for _ in range(60):
        built_household(programme, town_a, gas_contractor)
    client = client_for(official_a)
    client.get(reverse("acceptance:list"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("acceptance:list"))
    assert len(response.context["page"].object_list) == 50


def test_household_page_queries_do_not_grow_with_records(
    client_for, built_household_a, official_a, django_assert_max_num_queries
):
    inspect(built_household_a, official_a, COMPLETION)
    failed = inspect(built_household_a, official_a, COMMISSIONING, result="fail")
    rectify(failed, official_a)
    inspect(built_household_a, official_a, COMMISSIONING)
    client = client_for(official_a)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("acceptance:household", args=[built_household_a.pk]))
    assert len(response.context["records"]) == 3


def test_admin_lists_acceptance_records_read_only(
    client_for, administrator, built_household_a, official_a
):
    record = inspect(built_household_a, official_a, COMPLETION)
    client = client_for(administrator)
    assert client.get(reverse("admin:acceptance_acceptance_changelist")).status_code == 200
    page = client.get(reverse("admin:acceptance_acceptance_change", args=[record.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:acceptance_acceptance_add")).status_code == 403


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139", "'+86 139"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),  # a tab may hide a formula: neutralised as well
        ("<r>x</r>", "'<r>x</r>"),  # XlsxWriter would write it as raw rich-string XML
        ("王\x07建国", "王建国"),
        ("第一行\n第二行", "第一行\n第二行"),
        ("普通文字", "普通文字"),
    ],
)
def test_safe_cell_neutralises_formulas_and_drops_control_characters(raw, cell):
    from zichuan_heating.spreadsheets import safe_cell

    assert safe_cell(raw) == cell
