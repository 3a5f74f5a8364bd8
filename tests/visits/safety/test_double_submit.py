"""The inspection form carries a one-time token: posting it twice (a double click, a retry) or
twice at once on PostgreSQL records one inspection with its findings once."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from tests.visits.safety.test_races import fire
from visits.models import HazardFinding, HazardInspection
from visits.safety.services import FindingData, inspection_record


def form_data(client, village, today):
    page = client.get(reverse("visits:safety:inspection_new")).content.decode()
    token = re.search(r'name="submission" value="([0-9a-f-]{36})"', page).group(1)
    return {
        "submission": token,
        "village": village.pk,
        "inspected_on": today.isoformat(),
        "inspectors": "王建军",
        "findings-TOTAL_FORMS": "1",
        "findings-INITIAL_FORMS": "0",
        "findings-0-description": "报警器失效",
        "findings-0-severity": "major",
        "findings-0-deadline": (today + datetime.timedelta(days=3)).isoformat(),
    }


@pytest.mark.django_db
def test_the_form_posted_twice_records_one_inspection(client_for, official_a, village_a, today):
    a = client_for(official_a)
    data = form_data(a, village_a, today)
    first = a.post(reverse("visits:safety:inspection_new"), data)
    second = a.post(reverse("visits:safety:inspection_new"), data, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "重复提交没有再登记一次" in second.content.decode()
    assert HazardInspection.objects.count() == 1
    assert HazardFinding.objects.count() == 1
    assert HazardInspection.history.count() == 1


@pytest.mark.django_db
def test_each_opening_of_the_form_gets_its_own_token(client_for, official_a, village_a, today):
    a = client_for(official_a)
    for _n in range(2):
        assert a.post(reverse("visits:safety:inspection_new"), form_data(a, village_a, today))
    assert HazardInspection.objects.count() == 2


@pytest.mark.django_db
def test_anothers_token_is_refused_in_chinese(official_a, official_a2, town_a, village_a, today):
    token = uuid.uuid4()
    kw = {"town": town_a, "village": village_a, "inspected_on": today, "inspectors": "王"}
    inspection_record(**kw, submission=token, by=official_a)
    with pytest.raises(ValidationError, match="已由他人提交"):
        inspection_record(**kw, submission=token, by=official_a2)
    assert HazardInspection.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_submits_of_one_form_record_one_inspection(official_a, town_a, village_a, today):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL")
    token = uuid.uuid4()
    finding = FindingData("燃气管道老化", "general", today + datetime.timedelta(days=5))

    def submit():
        return inspection_record(
            town=town_a,
            village=village_a,
            inspected_on=today,
            inspectors="王建军",
            findings=[finding],
            submission=token,
            by=official_a,
        ).pk

    ok, refused = fire([submit] * 6)
    assert not refused
    assert len(set(ok)) == 1 and len(ok) == 6
    assert HazardInspection.objects.count() == 1
    assert HazardFinding.objects.count() == 1
