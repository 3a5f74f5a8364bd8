"""English printed documents and command output: dates, page counters, signature lines,
the progress report annex and management command messages are translated, not left Chinese.
(The Chinese of a document's data, such as names and the notice's 文号, stays as it is.)"""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.utils import translation

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
DOCUMENT_TEMPLATES = [
    *sorted((Path(settings.BASE_DIR) / "templates" / "documents").glob("*.html")),
    *sorted((Path(settings.BASE_DIR) / "templates" / "tasks" / "reports").glob("*.html")),
]


@pytest.fixture(autouse=True)
def back_to_chinese():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def untranslated(text: str) -> list[str]:
    """Chinese left outside {% translate %}, {% blocktranslate %}, _("…") and comments."""
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", "", text, flags=re.S)
    text = re.sub(r"{%\s*translate\s+(\"[^\"]*\"|'[^']*')[^%]*%}", "", text)
    text = re.sub(r"_\(\"[^\"]*\"\)", "", text)
    text = re.sub(r"{#.*?#}", "", text, flags=re.S)
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


@pytest.mark.parametrize("path", DOCUMENT_TEMPLATES, ids=lambda p: p.name)
def test_document_templates_have_no_chinese_outside_gettext(path):
    assert not untranslated(path.read_text()), untranslated(path.read_text())


def render(source: str, **context) -> str:
    return Template("{% load documents %}" + source).render(Context(context))


def test_dates_counters_blank_lines_and_colons_in_both_languages():
    day = datetime.date(2021, 6, 15)
    source = "{{ d|long_date }}|{{ d|month_day }}|{% page_counter %}|{% blank_date %}|a{% colon %}b"
    with translation.override("zh-hans"):
        assert render(source, d=day) == (
            '2021年6月15日|6月15日|"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
            "|　　年　　月　　日|a：b"
        )
    with translation.override("en"):
        english = render(source, d=day)
    assert english == (
        '15 June 2021|15 June|"Page " counter(page) " of " counter(pages) ""|____ / __ / __|a: b'
    )
    assert render("{{ d|long_date }}", d=None) == ""


@pytest.mark.django_db
def test_the_town_report_annex_header_is_english_in_english():
    from tasks.progress.reports import annex_header

    with translation.override("en"):
        header = annex_header()
    assert "No." in header and "ID number" in header
    assert not CJK.search(header), header


@pytest.mark.django_db
def test_command_output_and_errors_follow_the_language_option(programme_data):
    with pytest.raises(CommandError, match="No programme for 1999"):
        call_command("progress_report", "--programme", "1999", "--out", "x.pdf", language="en")
    with pytest.raises(CommandError, match="没有 1999 年度"):
        call_command("progress_report", "--programme", "1999", "--out", "x.pdf")
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", "--today", "2021-06-01", language="en", stdout=out)
    assert re.search(r"Would send \d+ reminders?\.", out.getvalue()), out.getvalue()
    out = io.StringIO()
    call_command("bootstrap", "--no-migrate", language="en", stdout=out)
    assert "villages:" in out.getvalue().lower()
    assert not CJK.search(out.getvalue()), out.getvalue()
