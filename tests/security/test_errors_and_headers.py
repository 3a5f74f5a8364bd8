"""The site's own error pages, request ids in logs, CSP, Permissions-Policy, the secret key."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _client(user=None, language=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@override_settings(DEBUG=False)
def test_own_404_page_in_chinese_and_english(official_a, official_b, town_b):
    response = _client(official_a).get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    assert "淄川区清洁取暖管理系统" in response.content.decode()
    response = _client(official_a, "en").get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


@override_settings(DEBUG=False)
def test_own_403_page_in_chinese_and_english(official_a):
    url = reverse("accounts:user_list")
    response = _client(official_a).get(url)
    assert response.status_code == 403 and "没有权限" in response.content.decode()
    response = _client(official_a, "en").get(url)
    assert response.status_code == 403 and "Not allowed" in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF="tests.security.urls_boom")
def test_500_page_shows_the_request_id_that_the_log_carries(official_a, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = _client(official_a).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    request_id = response["X-Request-ID"]
    assert "系统出错" in html and request_id in html
    assert "deliberate failure" not in html and "Traceback" not in html
    records = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert records and records[0].request_id == request_id
    formatter = logging.Formatter(settings.LOGGING["formatters"]["with_request"]["format"])
    assert f"[request {request_id}]" in formatter.format(records[0])
    english = _client(official_a, "en").get("/boom/")
    assert "Server error" in english.content.decode()


def test_every_response_has_its_own_request_id(district):
    client = _client(district)
    first = client.get(reverse("progress:dashboard"), HTTP_X_REQUEST_ID="forged\nline")
    second = client.get(reverse("progress:dashboard"))
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first["X-Request-ID"] != "forged\nline" and len(first["X-Request-ID"]) == 16


def test_csp_forbids_inline_script_and_permissions_policy_is_sent(district):
    response = _client(district).get(reverse("progress:dashboard"))
    csp = response["Content-Security-Policy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    for url in (reverse("login"), "/no-such-page/"):
        assert "Content-Security-Policy" in _client().get(url).headers


def test_the_base_layout_has_no_inline_script_or_handler(district):
    import re

    html = _client(district).get(reverse("progress:dashboard")).content.decode()
    # A JSON data block (json_script) is not script: the browser never runs it.
    inline = r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    assert not re.search(inline, html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert 'src="/static/js/base.js"' in html


def test_the_login_page_has_no_inline_script():
    import re

    html = _client().get(reverse("login")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def _start(env_extra: dict, command: str = "check") -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "zichuan_heating.settings",
        "ZH_VAR_DIR": str(settings.VAR_DIR),
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *command.split()],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_without_debug_and_without_a_secret_key_the_app_refuses_to_start():
    result = _start({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    assert _start({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""}).returncode != 0


def test_code_only_commands_run_without_a_key_and_nothing_else_does():
    assert _start({"DJANGO_DEBUG": "0"}, "makemigrations --check --dry-run").returncode == 0
    assert _start({"DJANGO_DEBUG": "0"}, "migrate --plan").returncode != 0


def test_with_a_key_or_with_debug_it_starts():
    assert _start({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60}).returncode == 0
    assert _start({"DJANGO_DEBUG": "1"}).returncode == 0


def test_scripts_run_serves_with_debug_off_on_a_local_key():
    script = (settings.BASE_DIR / "scripts" / "run").read_text()
    assert 'DJANGO_DEBUG="${DJANGO_DEBUG:-0}"' in script
    assert "ensure_local_secret_key" in script and "--insecure" in script
    lib = (settings.BASE_DIR / "scripts" / "lib.sh").read_text()
    assert "var/secret-key" in lib and "umask 077" in lib


def test_the_local_key_script_makes_and_keeps_a_private_key(tmp_path):
    lib = settings.BASE_DIR / "scripts" / "lib.sh"
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "lib.sh").write_text(lib.read_text())
    probe = (
        f'source "{root}/scripts/lib.sh"; VENV="{sys.prefix}"; unset DJANGO_SECRET_KEY; '
        'ensure_local_secret_key; echo "$DJANGO_SECRET_KEY"'
    )
    first = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    second = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    key = first.stdout.strip()
    assert len(key) >= 50 and key == second.stdout.strip()
    assert oct((root / "var" / "secret-key").stat().st_mode & 0o777) == "0o600"


def test_no_template_carries_inline_script_so_the_policy_stays_strict():
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=", re.I)
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pages_with_actions_get_the_strict_policy(official_a, town_a):
    from tests.factories import HouseholdFactory

    household = HouseholdFactory(town=town_a)
    client = _client(official_a)
    for url in (
        reverse("ledger:household_detail", args=[household.pk]),
        reverse("ledger:household_list"),
    ):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_forged_cross_site_post_gets_our_403_page(district):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 403
    assert "页面已过期或表单不是从本系统提交的" in response.content.decode()


def test_a_record_made_outside_a_request_still_formats():
    from zichuan_heating.security import RequestIdFilter

    record = logging.makeLogRecord({"msg": "outside", "levelname": "INFO", "name": "zichuan"})
    del record.__dict__["request_id"]
    RequestIdFilter().filter(record)
    formatter = logging.Formatter(settings.LOGGING["formatters"]["with_request"]["format"])
    assert "[request -]" in formatter.format(record)
