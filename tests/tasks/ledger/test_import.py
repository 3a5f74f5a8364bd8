"""Ledger import: good files, bad rows, idempotence, scope, duplicates, dates, history."""

import datetime

import pytest

from tasks.ledger.importing import HEADERS, Scope, import_ledger, parse_date
from tasks.models import Household, HouseholdStatus, Village
from tests.factories import HouseholdFactory
from tests.tasks.ledger.ledger_files import IDS, row, xlsx

pytestmark = pytest.mark.django_db


def run(path, programme, town=None, **kw):
    scope = Scope({town.id}) if town else Scope(None)
    return import_ledger(path, programme=programme, scope=scope, **kw)


def test_a_good_file_creates_each_household_with_its_fields(tmp_path, ledger_setup, town_a):
    path = xlsx(
        tmp_path / "good.xlsx",
        [
            row(),
            row(head_name="李秀英", id_number=IDS[1], village="西村", signed_on=None, size="4"),
        ],
    )
    outcome = run(path, ledger_setup, town_a)
    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 0, 0)
    assert outcome.committed
    h = Household.objects.get(id_number=IDS[0])
    assert (h.town, h.village.name, h.head_name, h.phone, h.address, h.size) == (
        town_a,
        "东村",
        "王建国",
        "13905331234",
        "东村1号",
        3,
    )
    assert (h.route, h.equipment.model, h.contractor.name) == ("gas", "L1PB20", "示例燃气公司")
    assert h.contract_signed_on == datetime.date(2021, 7, 5)
    assert h.status == HouseholdStatus.CONTRACTED
    assert h.id_tail == IDS[0][-6:]
    other = Household.objects.get(id_number=IDS[1])
    assert (other.status, other.size, other.village.name) == (HouseholdStatus.SURVEYED, 4, "西村")


def test_two_bad_rows_are_both_reported_and_nothing_is_written(tmp_path, ledger_setup, town_a):
    path = xlsx(
        tmp_path / "bad.xlsx",
        [
            row(),
            row(id_number="370302199001011235", head_name="错号"),
            row(id_number=IDS[2], route="烧煤"),
        ],
    )
    outcome = run(path, ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {"row": 3, "column": "身份证号", "message": "身份证号校验位不正确，请核对。"},
        {
            "row": 4,
            "column": "改造方式",
            "message": "改造方式“烧煤”无效，应为：集中供暖、气代煤、电代煤。",
        },
    ]
    assert not outcome.committed
    assert Household.objects.count() == 0
    assert Household.history.count() == 0


def test_reimporting_the_same_file_changes_nothing(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1], head_name="李四")])
    run(path, ledger_setup, town_a)
    before = list(Household.objects.values().order_by("id"))
    again = run(path, ledger_setup, town_a)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    assert list(Household.objects.values().order_by("id")) == before
    assert Household.history.count() == 2


def test_a_changed_row_updates_the_household_with_one_history_row(tmp_path, ledger_setup, town_a):
    run(xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1])]), ledger_setup, town_a)
    changed = xlsx(tmp_path / "b.xlsx", [row(phone="13800000000"), row(id_number=IDS[1])])
    outcome = run(changed, ledger_setup, town_a)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    h = Household.objects.get(id_number=IDS[0])
    assert h.phone == "13800000000"
    assert h.history.count() == 2
    latest = h.history.first()
    assert latest.history_type == "~"
    assert latest.history_change_reason == "Excel 导入"
    assert Household.objects.get(id_number=IDS[1]).history.count() == 1


def test_every_created_household_gets_exactly_one_history_row(tmp_path, ledger_setup, town_a):
    rows = [row(id_number=IDS[i], head_name=f"户{i}") for i in range(5)]
    run(xlsx(tmp_path / "a.xlsx", rows), ledger_setup, town_a)
    for h in Household.objects.all():
        assert h.history.count() == 1
        assert h.history.get().history_type == "+"
    assert Household.history.count() == 5


def test_a_town_official_cannot_import_another_towns_rows(tmp_path, ledger_setup, town_a):
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            row(),
            row(town="昆仑镇", village="北村", id_number=IDS[1]),
            row(town="昆仑镇", id_number=IDS[2]),
        ],
    )
    outcome = run(path, ledger_setup, town_a)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "镇（街道）"), (4, "镇（街道）")]
    assert outcome.errors[0].message == "本行属于昆仑镇，您只能导入洪山镇的台账。"
    assert Household.objects.count() == 0


def test_duplicates_inside_the_file_name_both_rows(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(head_name="别人"), row(id_number=IDS[1])])
    outcome = run(path, ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {
            "row": 3,
            "column": "身份证号",
            "message": "身份证号与第 2 行重复（同一户只能登记一次）。",
        }
    ]
    assert Household.objects.count() == 0


def test_a_household_registered_in_another_town_is_an_error(
    tmp_path, ledger_setup, programme, town_a, town_b
):
    HouseholdFactory(programme=programme, town=town_b, id_number=IDS[0])
    outcome = run(xlsx(tmp_path / "a.xlsx", [row()]), ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {
            "row": 2,
            "column": "身份证号",
            "message": "该身份证号已在其他镇（街道）登记，同一户在本年度只能登记一次。",
        }
    ]
    assert Household.objects.count() == 1


def test_a_household_of_the_same_town_is_updated(tmp_path, ledger_setup, programme, town_a):
    h = HouseholdFactory(programme=programme, town=town_a, id_number=IDS[0], head_name="旧名")
    outcome = run(xlsx(tmp_path / "a.xlsx", [row()]), ledger_setup, town_a)
    assert (outcome.created, outcome.updated) == (0, 1)
    h.refresh_from_db()
    assert (h.head_name, h.status) == ("王建国", HouseholdStatus.CONTRACTED)
    assert Household.objects.count() == 1


def test_an_unknown_village_is_an_error_unless_new_villages_are_registered(
    tmp_path, ledger_setup, town_a
):
    path = xlsx(
        tmp_path / "a.xlsx", [row(village="新 庄村"), row(id_number=IDS[1], village="新庄村")]
    )
    outcome = run(path, ledger_setup, town_a)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "村（居）"), (3, "村（居）")]
    assert "洪山镇没有登记“新 庄村”" in outcome.errors[0].message
    assert not Village.objects.filter(name__contains="新").exists()

    outcome = run(path, ledger_setup, town_a, create_villages=True)
    assert outcome.errors == [] and outcome.created == 2
    village = Village.objects.get(town=town_a, name="新 庄村")
    assert set(Household.objects.values_list("village", flat=True)) == {village.pk}


@pytest.mark.parametrize(
    "cell",
    [
        datetime.datetime(2021, 7, 5),
        datetime.date(2021, 7, 5),
        "2021-07-05",
        "2021/7/5",
        "2021年7月5日",
        " ２０２１年７月５日 ",
        "2021.7.5",
    ],
)
def test_dates_are_read_in_every_accepted_form(tmp_path, ledger_setup, town_a, cell):
    outcome = run(xlsx(tmp_path / "a.xlsx", [row(signed_on=cell)]), ledger_setup, town_a)
    assert outcome.errors == []
    assert Household.objects.get().contract_signed_on == datetime.date(2021, 7, 5)


def test_an_unreadable_date_names_the_accepted_forms(tmp_path, ledger_setup, town_a):
    outcome = run(xlsx(tmp_path / "a.xlsx", [row(signed_on="七月五日")]), ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {
            "row": 2,
            "column": "签约日期",
            "message": "日期“七月五日”无法识别，请写成 2021-07-05、2021/7/5 或 2021年7月5日。",
        }
    ]


def test_excel_serial_numbers_are_dates():
    assert parse_date(44382.0) == datetime.date(2021, 7, 5)


def test_full_width_characters_and_spaces_are_tolerated(tmp_path, ledger_setup, town_a):
    wide_id = IDS[0].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            row(
                town=" 洪山镇 ",
                village="东 村",
                id_number=f" {wide_id.lower()} ",
                phone="１３９０５３３１２３４",
                route=" 气代煤 ",
                brand="示例燃气 ",
                model="Ｌ１ＰＢ２０",
                size="３",
            )
        ],
    )
    outcome = run(path, ledger_setup, town_a)
    assert outcome.errors == []
    h = Household.objects.get()
    assert (h.id_number, h.phone, h.size, h.village.name) == (IDS[0], "13905331234", 3, "东村")


def test_id_numbers_typed_as_excel_numbers_ask_for_a_text_column(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(id_number=370302199001011234)], id_as_text=False)
    outcome = run(path, ledger_setup, town_a)
    assert len(outcome.errors) == 1
    assert outcome.errors[0].column == "身份证号"
    assert "存成了数字" in outcome.errors[0].message
    assert "文本" in outcome.errors[0].message


def test_row_checks_name_column_and_reason(tmp_path, ledger_setup, town_a):
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            row(phone="12345"),
            row(id_number=IDS[1], size=0),
            row(id_number=IDS[2], model="不存在"),
            row(id_number=IDS[3], brand="示例热泵", model="KFXRS-7"),
            row(id_number=IDS[4], contractor="示例设备安装公司"),
            row(id_number=IDS[5], contractor="无名公司"),
            row(id_number=IDS[6], head_name=""),
            row(id_number=IDS[7], notes='=HYPERLINK("http://x")'),
        ],
    )
    got = [(e.row, e.column) for e in run(path, ledger_setup, town_a).errors]
    assert got == [
        (2, "联系电话"),
        (3, "家庭人口"),
        (4, "设备型号"),
        (5, "设备型号"),
        (6, "实施单位"),
        (7, "实施单位"),
        (8, "户主姓名"),
        (9, "备注"),
    ]


def test_a_completion_date_needs_an_approved_plan(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(completed_on="2021-08-01")])
    outcome = run(path, ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {
            "row": 2,
            "column": "完工日期",
            "message": "洪山镇的实施方案尚未经区清洁取暖办核准，不能开工（方案核准后实施）。",
        }
    ]


def test_with_an_approved_plan_a_completion_date_makes_the_household_built(
    tmp_path, approved_plan_a, ledger_setup, town_a
):
    outcome = run(xlsx(tmp_path / "a.xlsx", [row(completed_on="2021-08-01")]), ledger_setup, town_a)
    assert outcome.errors == []
    h = Household.objects.get()
    assert (h.status, h.construction_completed_on) == (
        HouseholdStatus.BUILT,
        datetime.date(2021, 8, 1),
    )


def test_an_import_never_moves_a_status_back_nor_erases_a_date(
    tmp_path, ledger_setup, programme, town_a
):
    h = HouseholdFactory(
        programme=programme,
        town=town_a,
        id_number=IDS[0],
        head_name="王建国",
        status=HouseholdStatus.UNDER_CONSTRUCTION,
        contract_signed_on=datetime.date(2021, 7, 1),
    )
    outcome = run(
        xlsx(tmp_path / "a.xlsx", [row(signed_on=None, phone="13800000000")]), ledger_setup, town_a
    )
    assert outcome.errors == [] and outcome.updated == 1
    h.refresh_from_db()
    assert (h.status, h.contract_signed_on, h.phone) == (
        HouseholdStatus.UNDER_CONSTRUCTION,
        datetime.date(2021, 7, 1),
        "13800000000",
    )


def test_a_dry_run_reports_counts_and_writes_nothing(tmp_path, ledger_setup, town_a):
    outcome = run(xlsx(tmp_path / "a.xlsx", [row()]), ledger_setup, town_a, dry_run=True)
    assert (outcome.created, outcome.committed) == (1, False)
    assert Household.objects.count() == 0


def test_a_title_row_above_the_header_and_blank_rows_are_fine(tmp_path, ledger_setup, town_a):
    path = xlsx(
        tmp_path / "a.xlsx",
        [row(), [None] * len(HEADERS), row(id_number=IDS[1])],
        title="洪山镇2021年清洁取暖改造户台账",
    )
    outcome = run(path, ledger_setup, town_a)
    assert outcome.errors == [] and outcome.created == 2


def test_row_numbers_count_the_title_row(tmp_path, ledger_setup, town_a):
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number="x")], title="台账")
    assert [e.row for e in run(path, ledger_setup, town_a).errors] == [4]


def test_the_fast_id_check_agrees_with_the_gb_11643_definition():
    # The validator's check character (the importer calls it) against the standard's formula.
    from hypothesis import given
    from hypothesis import strategies as st

    from tasks.validators import id_check_char

    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

    @given(st.text(alphabet="0123456789", min_size=17, max_size=17))
    def agree(body):
        total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
        assert id_check_char(body) == "10X98765432"[total % 11]

    agree()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("370302190002301234", "身份证号中的出生日期无效。"),
        ("370302209901011234", "身份证号中的出生日期无效。"),
        ("37030219900101123", "身份证号应为18位，当前为17位。"),
    ],
)
def test_bad_id_numbers_get_the_validators_message(number, message):
    from tasks.ledger.importing import parse_id_number

    with pytest.raises(ValueError, match=message):
        parse_id_number(number)


def test_history_rows_copy_every_tracked_field_with_user_and_reason(
    tmp_path, ledger_setup, town_a, official_a
):
    # On PostgreSQL the rows are written by COPY, elsewhere by simple_history's bulk helper:
    # either way each history row must be what the library itself would have recorded.
    path = xlsx(tmp_path / "a.xlsx", [row(), row(id_number=IDS[1], village="西村", size=None)])
    import_ledger(path, programme=ledger_setup, scope=Scope({town_a.id}), by=official_a)
    tracked = [f.attname for f in Household.history.model.tracked_fields]
    assert "id_tail" not in tracked and "updated_at" not in tracked
    for h in Household.objects.all():
        record = h.history.get()
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "+",
            official_a,
            "Excel 导入",
        )
        assert {a: getattr(record, a) for a in tracked} == {a: getattr(h, a) for a in tracked}


def test_a_completion_date_goes_through_contract_start_and_complete(
    tmp_path, approved_plan_a, ledger_setup, town_a
):
    # 已摸底 → 已完工 only step by step: the start is recorded on the completion day (the
    # template has no 开工日期 column, and the services allow a start on that day).
    path = xlsx(tmp_path / "a.xlsx", [row(signed_on="2021-07-05", completed_on="2021-08-01")])
    assert run(path, ledger_setup, town_a).errors == []
    h = Household.objects.get()
    assert (h.status, h.contract_signed_on, h.construction_started_on) == (
        HouseholdStatus.BUILT,
        datetime.date(2021, 7, 5),
        datetime.date(2021, 8, 1),
    )


def test_a_completion_date_without_a_contract_date_is_refused_by_row(
    tmp_path, approved_plan_a, ledger_setup, town_a
):
    path = xlsx(tmp_path / "a.xlsx", [row(signed_on=None, completed_on="2021-08-01")])
    outcome = run(path, ledger_setup, town_a)
    assert [e.as_dict() for e in outcome.errors] == [
        {"row": 2, "column": "签约日期", "message": "请填写签约日期。"}
    ]
    assert Household.objects.count() == 0


def test_a_completion_before_the_contract_is_refused(
    tmp_path, approved_plan_a, ledger_setup, town_a
):
    path = xlsx(tmp_path / "a.xlsx", [row(signed_on="2021-08-05", completed_on="2021-08-01")])
    outcome = run(path, ledger_setup, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("完工日期", "开工日期不能早于签约日期。")
    ]


def test_a_date_in_the_future_is_refused_as_the_services_refuse_it(tmp_path, ledger_setup, town_a):
    future = datetime.date.today() + datetime.timedelta(days=30)
    path = xlsx(tmp_path / "a.xlsx", [row(signed_on=future.isoformat())])
    outcome = run(path, ledger_setup, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("签约日期", "签约日期不能晚于今天。")
    ]


def test_completion_of_a_household_under_construction_checks_its_start(
    tmp_path, approved_plan_a, ledger_setup, programme, town_a
):
    h = HouseholdFactory(
        programme=programme,
        town=town_a,
        id_number=IDS[0],
        status=HouseholdStatus.UNDER_CONSTRUCTION,
        contract_signed_on=datetime.date(2021, 7, 1),
        construction_started_on=datetime.date(2021, 8, 10),
    )
    path = xlsx(tmp_path / "a.xlsx", [row(signed_on=None, completed_on="2021-08-01")])
    outcome = run(path, ledger_setup, town_a)
    assert [(e.column, e.message) for e in outcome.errors] == [
        ("完工日期", "完工日期不能早于开工日期。")
    ]
    path = xlsx(tmp_path / "b.xlsx", [row(signed_on=None, completed_on="2021-08-20")])
    assert run(path, ledger_setup, town_a).errors == []
    h.refresh_from_db()
    assert (h.status, h.construction_started_on, h.construction_completed_on) == (
        HouseholdStatus.BUILT,
        datetime.date(2021, 8, 10),
        datetime.date(2021, 8, 20),
    )


def test_the_flow_steps_of_an_import():
    from tasks.ledger.importing.classify import steps_towards

    assert steps_towards("surveyed", "built") == ("contract", "start", "complete")
    assert steps_towards("contracted", "built") == ("start", "complete")
    assert steps_towards("built", "contracted") == ()  # never backwards
    assert steps_towards("accepted", "built") == ()
    assert steps_towards("withdrawn", "contracted") == ()


def test_a_town_officials_scope_is_the_one_rule(official_a, district, town_a):
    assert Scope.for_user(official_a).town_ids == {town_a.id}
    assert Scope.for_user(district).town_ids is None


def test_a_signed_row_without_a_contractor_or_equipment_is_refused_by_row(tmp_path, ledger_setup):
    rows = [
        row(),
        row(id_number=IDS[1], contractor=None),
        row(id_number=IDS[2], brand=None, model=None),
    ]
    outcome = run(xlsx(tmp_path / "a.xlsx", rows), ledger_setup)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "实施单位"), (4, "设备型号")]
    assert "实施单位" in outcome.errors[0].message and "采暖设备" in outcome.errors[1].message
    assert Household.objects.count() == 0
