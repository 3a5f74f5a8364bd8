"""English is complete: no catalogue entry left untranslated or fuzzy, key pages free of Chinese."""

import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SKIP = shutil.ignore_patterns(
    ".venv",
    ".git",
    "node_modules",
    "var",
    "media",
    "__pycache__",
    "*.mo",
    "*.sqlite3",
    "staticfiles",
)


@pytest.fixture(autouse=True)
def back_to_chinese():
    # A request in English leaves English active in this thread; later tests expect Chinese.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def catalogues(root):
    return sorted(
        p for p in root.rglob("locale/en/LC_MESSAGES/django.po") if ".venv" not in p.parts
    )


def msgids(po, *flags):
    out = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", "--no-location", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="gettext tools not installed")
def test_makemessages_would_add_no_untranslated_or_fuzzy_entry(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(settings.BASE_DIR, root, ignore=SKIP)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--ignore=.venv",
            "--ignore=node_modules",
            "--no-obsolete",
        ],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "zichuan_heating.settings_test"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = catalogues(root)
    assert found, "no English catalogue found"
    problems = {}
    for po in found:
        bad = msgids(po, "--untranslated", "--no-fuzzy") + [
            f"(fuzzy) {m}" for m in msgids(po, "--only-fuzzy")
        ]
        if bad:
            problems[str(po.relative_to(root))] = bad
    assert not problems, problems


def chrome(html):
    """The page's own words: title, navigation and headings (data such as town names left out)."""
    parts = re.findall(r"<title>(.*?)</title>", html, re.S)
    parts += re.findall(r'<nav class="main-nav".*?</nav>', html, re.S)
    parts += re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)
    parts += re.findall(r'<a class="skip-link"[^>]*>(.*?)</a>', html, re.S)
    return parts


def english(client, url):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    return html


def test_english_login_page_has_no_chinese(anon_client):
    html = english(anon_client, reverse("login"))
    main = html.split('<main id="main">', 1)[1]
    assert not CJK.findall(main), CJK.findall(main)
    for part in chrome(html):
        assert not CJK.search(part), part


def test_english_dashboard_of_the_district_has_no_chinese_in_navigation_and_headings(
    client_for, district
):
    from tasks.models import Programme, Town, Village

    html = english(client_for(district), reverse("progress:dashboard"))
    data = [*Programme.objects.values_list("name", flat=True)]
    data += [
        *Town.objects.values_list("name", flat=True),
        *Village.objects.values_list("name", flat=True),
    ]
    parts = chrome(html)
    assert parts
    for part in parts:
        text = re.sub(r"<[^>]+>", " ", part)
        for name in sorted(data, key=len, reverse=True):
            text = text.replace(name, "")
        assert not CJK.search(text), text
