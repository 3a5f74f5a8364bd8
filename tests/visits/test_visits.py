"""Drawing a sample and recording visits: who may, what is stored, and the cases a mismatch
opens by itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.visits.helpers import draw, findings, first_visit
from visits import services
from visits.models import Case, CaseCategory, CaseSource, CaseStatus, VisitStatus
from visits.queries import draw_plan

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def test_the_district_draws_once_a_season_and_each_town_is_told(
    pay, town_a, town_b, district, official_a, official_b
):
    paid_a = pay(town_a, 40)
    pay(town_b, 3)
    sample = draw(district)
    assert (sample.population, sample.size) == (43, 39)
    assert sample.visits.count() == 39
    assert sample.visits.filter(town=town_b).count() >= 1
    assert set(sample.visits.values_list("paid_amount", flat=True)) == {Decimal("1200.00")}
    plan = draw_plan(season="2025-2026", confidence=0.95, margin=0.05, seed=7)
    drawn = set(sample.visits.values_list("household_id", flat=True))
    assert drawn == {h for t in plan.towns for h in t.households}
    assert set(sample.visits.filter(town=town_a).values_list("household_id", flat=True)) <= {
        h.pk for h in paid_a
    }
    assert official_a.notifications.get().title.startswith("【回访任务】2025-2026 采暖季抽中本镇")
    assert official_b.notifications.count() == 1
    with pytest.raises(ValidationError) as err:
        draw(district, seed=8)
    assert "不能重复抽取" in str(err.value)


def test_only_the_district_draws(pay, town_a, official_a, finance):
    pay(town_a, 2)
    for user in (official_a, finance):
        with pytest.raises(PermissionDenied):
            draw(user)


def test_a_season_with_nobody_paid_or_bad_parameters_is_refused(pay, town_a, district):
    with pytest.raises(ValidationError) as err:
        draw(district, season="2030-2031")
    assert "还没有已发放补贴" in str(err.value)
    with pytest.raises(ValidationError) as err:
        services.sample_draw(
            season="2025-2027", by=district, confidence=Decimal("0.5"), margin=Decimal("2"), seed=-1
        )
    assert set(err.value.error_dict) == {"season", "confidence", "margin", "seed"}


def test_every_paid_household_of_one_town_can_be_visited(pay, town_a, town_b, district):
    pay(town_a, 12)
    pay(town_b, 4)
    sample = services.sample_draw(season="2025-2026", by=district, town=town_b)
    assert (sample.population, sample.size, sample.visits.count()) == (4, 4, 4)
    assert set(sample.visits.values_list("town", flat=True)) == {town_b.pk}
    # The proportional sample of the season is still possible beside it.
    assert draw(district).size == 16


def test_a_visit_that_finds_everything_right_opens_no_case(pay, town_a, district, official_a):
    pay(town_a, 2)
    visit = first_visit(draw(district), town_a)
    photo = SimpleUploadedFile("门口.jpg", JPEG, content_type="image/jpeg")
    visit, cases = services.visit_record(
        visit=visit, by=official_a, findings=findings(remarks=" 很暖和 "), photos=[photo]
    )
    assert cases == []
    visit.refresh_from_db()
    assert (visit.status, visit.visited_by, visit.satisfaction, visit.remarks) == (
        VisitStatus.DONE,
        official_a,
        5,
        "很暖和",
    )
    assert visit.amount_confirmed == Decimal("1200.00")
    assert visit.photos.get().original_name == "门口.jpg"
    assert not Case.objects.exists()


def test_a_mismatch_opens_a_case_by_itself_one_per_category(pay, town_a, district, official_a):
    pay(town_a, 2)
    visit = first_visit(draw(district), town_a)
    _visit, cases = services.visit_record(
        visit=visit,
        by=official_a,
        findings=findings(
            amount_confirmed=Decimal("800.00"), stove_gone=False, alarm_working=False
        ),
    )
    assert sorted(c.category for c in cases) == [CaseCategory.SAFETY, CaseCategory.SUBSIDY]
    subsidy = next(c for c in cases if c.category == CaseCategory.SUBSIDY)
    assert "800.00" in subsidy.description and "1200.00" in subsidy.description
    safety = next(c for c in cases if c.category == CaseCategory.SAFETY)
    assert "报警器" in safety.description and "燃煤炉具" in safety.description
    assert all(c.source == CaseSource.VISIT and c.visit_id == visit.pk for c in cases)
    assert all(c.status == CaseStatus.ASSIGNED and c.town == town_a for c in cases)
    assert (safety.deadline - safety.opened_at).total_seconds() == 24 * 3600


def test_not_received_and_broken_equipment_each_open_their_case(pay, town_a, district, official_a):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    _v, cases = services.visit_record(
        visit=visit,
        by=official_a,
        findings=findings(subsidy_received=False, amount_confirmed=None, heating_works=False),
    )
    assert sorted(c.category for c in cases) == [CaseCategory.EQUIPMENT, CaseCategory.SUBSIDY]
    assert "未收到补贴" in next(c for c in cases if c.category == "subsidy").description


def test_a_visit_is_recorded_once_and_only_by_its_towns_official(
    pay, town_a, district, official_a, official_b
):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    for user in (official_b, district):
        with pytest.raises(PermissionDenied):
            services.visit_record(visit=visit, by=user, findings=findings())
    services.visit_record(visit=visit, by=official_a, findings=findings())
    with pytest.raises(ValidationError) as err:
        services.visit_record(visit=visit, by=official_a, findings=findings(satisfaction=1))
    assert "不能登记回访结果" in str(err.value)
    visit.refresh_from_db()
    assert visit.satisfaction == 5


def test_bad_findings_and_files_are_refused_with_the_field_named(pay, town_a, district, official_a):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    with pytest.raises(ValidationError) as err:
        services.visit_record(
            visit=visit,
            by=official_a,
            findings=findings(
                satisfaction=7,
                indoor_temperature=Decimal("80"),
                amount_confirmed=None,
                latitude=Decimal("36.6"),
            ),
            photos=[SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="image/jpeg")],
        )
    assert set(err.value.error_dict) == {
        "satisfaction",
        "indoor_temperature",
        "amount_confirmed",
        "latitude",
        "photos",
    }
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING and not visit.photos.exists()
