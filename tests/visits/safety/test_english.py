"""The safety pages in English: titles, navigation, headings, labels and buttons translated
(data such as town, village and people's names left out)."""

import re

import pytest
from django.urls import reverse

from tasks.models import Town, Village
from tests.core.test_translations import CJK, chrome, english

pytestmark = pytest.mark.django_db


def own_words(html: str) -> list[str]:
    """Headings, navigation, labels, buttons, table heads, with the data's names removed."""
    parts = chrome(html)
    parts += re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    parts += re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)
    parts += re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html, re.S)
    parts += re.findall(r'<p class="(?:empty )?muted">(.*?)</p>', html, re.S)
    names = [
        *Town.objects.values_list("name", flat=True),
        *Village.objects.values_list("name", flat=True),
    ]
    out = []
    for part in parts:
        text = re.sub(r"<[^>]+>", " ", part)
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "")
        out.append(text)
    return out


@pytest.mark.parametrize(
    "name", ["overview", "inspection_list", "inspection_new", "emergency", "plan_new", "drill_new"]
)
def test_the_safety_pages_read_in_english(client_for, official_a, village_a, name):
    html = english(client_for(official_a), reverse(f"visits:safety:{name}"))
    for text in own_words(html):
        assert not CJK.search(text), text


def test_an_inspection_page_reads_in_english_but_for_what_was_recorded(
    client_for, official_a, inspection_a
):
    html = english(client_for(official_a), inspection_a.get_absolute_url())
    for text in own_words(html):
        assert not CJK.search(text), text
    assert "Major hazard" in html and "Awaiting rectification" in html
    assert "Record rectification" in html


def test_the_household_safety_panel_reads_in_english(
    client_for, official_a, approved_plan_a, household_a
):
    html = english(
        client_for(official_a), reverse("ledger:household_detail", args=[household_a.pk])
    )
    panel = html.split('id="household-safety"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", panel)
    assert "Safety officers (two per project)" in text
    assert not CJK.search(text), CJK.findall(text)
