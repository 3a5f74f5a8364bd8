"""Names in pinyin order on PostgreSQL (ICU collation); SQLite keeps code point order."""

import pytest
from django.db import connection

from tasks.models import Household, Village
from tasks.villages.queries import villages_for_user
from tests.factories import HouseholdFactory, VillageFactory

NAMES = ["张", "安", "陈", "北"]
PINYIN = ["安", "北", "陈", "张"]  # ān běi chén zhāng
CODE_POINTS = sorted(NAMES)  # 北 U+5317, 安 U+5B89, 张 U+5F20, 陈 U+9648

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ICU collations: PostgreSQL"
)


@pytest.fixture
def named(programme, town_a):
    for name in NAMES:
        village = VillageFactory(town=town_a, name=f"{name}村")
        HouseholdFactory(programme=programme, town=town_a, village=village, head_name=name)


def test_code_point_order_differs_from_pinyin_order():
    assert CODE_POINTS != PINYIN


@on_postgresql
def test_villages_and_households_sort_by_pinyin_on_postgresql(named, official_a):
    assert [v.name[0] for v in villages_for_user(official_a)] == PINYIN
    assert [v.name[0] for v in Village.objects.all()] == PINYIN
    assert [h.head_name for h in Household.objects.all()] == PINYIN
    assert [h.head_name for h in Household.objects.order_by("head_name")] == CODE_POINTS


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")
def test_sqlite_falls_back_to_the_plain_order(named, official_a):
    assert [v.name[0] for v in villages_for_user(official_a)] == CODE_POINTS
    assert [h.head_name for h in Household.objects.all()] == CODE_POINTS


def ledger_names(client, ordering, key="head_name"):
    from django.urls import reverse

    page = client.get(reverse("ledger:household_list"), {"ordering": ordering}).context["page"]
    return [getattr(h, key) if key == "head_name" else h.village.name[0] for h in page]


@on_postgresql
def test_the_ledger_sorted_by_name_or_village_is_in_pinyin_order(named, client_for, official_a):
    client = client_for(official_a)
    assert ledger_names(client, "head_name") == PINYIN
    assert ledger_names(client, "-head_name") == PINYIN[::-1]
    assert ledger_names(client, "village", key="village") == PINYIN
    assert ledger_names(client, "-village", key="village") == PINYIN[::-1]


@on_postgresql
def test_the_ledger_export_sorted_by_name_is_in_pinyin_order(named, client_for, official_a):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    r = client_for(official_a).get(reverse("ledger:ledger_export"), {"ordering": "head_name"})
    sheet = load_workbook(
        io.BytesIO(b"".join(r.streaming_content if r.streaming else [r.content]))
    ).active
    header = [c.value for c in sheet[1]]
    column = header.index("户主姓名")
    names = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[column]]
    assert names == PINYIN


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")
def test_the_ledger_sorted_by_name_on_sqlite_keeps_code_point_order(named, client_for, official_a):
    assert ledger_names(client_for(official_a), "head_name") == CODE_POINTS
