"""Dashboard, town page, login and language: contents and the access battery."""

import subprocess
import sys

from django.conf import settings
from django.urls import reverse

from tests.access import battery
from tests.factories import UserFactory


def test_dashboard_access_battery(cast):
    stranger = UserFactory(username="no-role")
    battery(
        reverse("progress:dashboard"),
        ok=[cast["official_a"], cast["district"], cast["finance"], cast["administrator"]],
        forbidden=[stranger],
    )


def test_town_page_access_battery(cast, town_a):
    battery(
        reverse("progress:town_detail", args=[town_a.code]),
        ok=[cast["official_a"], cast["district"], cast["finance"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
    )


def test_district_dashboard_lists_every_town_and_total(client_for, district):
    response = client_for(district).get(reverse("progress:dashboard"))
    html = response.content.decode()
    assert response.context["total"].quota == 2198
    assert len(response.context["rows"]) == 9
    assert 'id="total-quota">2198<' in html
    assert "将军路街道" in html
    assert "工作总览" in html


def test_official_dashboard_shows_own_town_and_district_total(client_for, official_a):
    response = client_for(official_a).get(reverse("progress:dashboard"))
    rows = response.context["rows"]
    assert [(r.town_name, r.quota) for r in rows] == [("洪山镇", 458)]
    html = response.content.decode()
    assert "昆仑镇" not in html
    assert "2198" in html


def test_language_switch_to_english(client_for, district):
    client = client_for(district)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("progress:dashboard")).content.decode()
    assert 'lang="en"' in html
    assert "Overview" in html


def test_login_page_is_chinese_by_default(anon_client):
    html = anon_client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_login_with_wrong_password_says_so(anon_client, official_a):
    response = anon_client.post(reverse("login"), {"username": "official_a", "password": "x"})
    assert "用户名或密码不正确" in response.content.decode()


def test_check_deploy_is_clean_with_debug_off_and_env_secrets():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "zichuan_heating.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 10 + "Zx8#p2Lq9!vR4tY7uW1eS5dF3gH6jK0mN2bV8cX4zA",
        "ZH_VAR_DIR": str(settings.VAR_DIR),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client_for, district):
    client = client_for(district)
    html = client.get(
        reverse("progress:dashboard"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert 'lang="zh-hans"' in html
    assert "工作总览" in html
