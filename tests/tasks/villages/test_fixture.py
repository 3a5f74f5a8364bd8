"""The committed list of committees, and bootstrap loading it once."""

import io
import json
import re

import pytest
from django.core.management import call_command

from tasks.models import Town, Village
from tasks.villages.services import VILLAGE_DATA, VillageReason, villages_load

#: Committees per unit in the 2023 edition of the statistical division codes.
EXPECTED = {
    "kaifaqu": 0,
    "hongshan": 26,
    "kunlun": 49,
    "shuangyang": 38,
    "luocun": 32,
    "zhaili": 43,
    "longquan": 19,
    "xihe": 63,
    "jiangjunlu": 22,
}
DIVISION = {
    "hongshan": "370302115",
    "kunlun": "370302102",
    "shuangyang": "370302116",
    "luocun": "370302114",
    "zhaili": "370302113",
    "longquan": "370302112",
    "xihe": "370302111",
    "jiangjunlu": "370302005",
}


def test_the_fixture_says_where_it_comes_from_and_covers_the_nine_units():
    data = json.loads(VILLAGE_DATA.read_text(encoding="utf-8"))
    assert "国家统计局" in data["source"] and "2023" in data["source"]
    assert data["edition"] == "2023"
    assert [t["code"] for t in data["towns"]] == list(EXPECTED)
    for town in data["towns"]:
        assert len(town["villages"]) == EXPECTED[town["code"]], town["code"]
        assert town["division_code"] == DIVISION.get(town["code"], "")
        codes = [v["code"] for v in town["villages"]]
        assert len(set(codes)) == len(codes)
        for code in codes:
            assert re.fullmatch(r"3703\d{8}", code)
            assert code.startswith(town["division_code"])
            # 001-199 居民委员会, 200-399 村民委员会 (the code's own rule).
            assert 1 <= int(code[9:]) <= 399


def test_load_creates_every_committee_under_its_town(programme):
    villages_load()
    for code, n in EXPECTED.items():
        town = Town.objects.get(code=code)
        assert town.division_code == DIVISION.get(code, "")
        villages = Village.objects.filter(town=town)
        assert villages.count() == n
        assert all(v.code.startswith(town.division_code) and len(v.code) == 12 for v in villages)
    assert Village.objects.get(code="370302114221").name == "太平村"
    record = Village.objects.get(code="370302114221").history.get()
    assert record.history_change_reason == VillageReason.LOAD


def test_load_gives_a_code_to_a_village_the_town_added_by_the_same_name(programme, town_a):
    added = Village.objects.create(town=town_a, name="北工社区")
    villages_load()
    added.refresh_from_db()
    assert added.code == "370302115001"
    assert Village.objects.filter(town=town_a).count() == EXPECTED["hongshan"]


@pytest.mark.django_db
def test_bootstrap_twice_changes_nothing_and_keeps_an_officials_rename():
    call_command("bootstrap", "--no-migrate", stdout=io.StringIO())
    renamed = Village.objects.get(code="370302114221")
    renamed.name = "太平社区"
    renamed.save()
    snapshot = (list(Village.objects.values()), list(Town.objects.values()))
    history = Village.history.count()

    out = io.StringIO()
    call_command("bootstrap", "--no-migrate", language="en", stdout=out)
    assert "villages: 0 created, 292 unchanged" in out.getvalue()
    assert snapshot == (list(Village.objects.values()), list(Town.objects.values()))
    assert Village.history.count() == history
    assert Village.objects.get(code="370302114221").name == "太平社区"
