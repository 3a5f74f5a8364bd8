"""Login throttling, password rules, the password-change page and the session limits."""

import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from zichuan_heating.sessions import LOGIN_AT, SEEN_AT

pytestmark = pytest.mark.django_db


def _fail(client, username, n):
    for _ in range(n):
        client.post(reverse("login"), {"username": username, "password": "wrong-guess"})


def test_failed_logins_are_recorded_in_the_database(official_a):
    _fail(Client(), "official_a", 2)
    attempt = AccessAttempt.objects.get(username="official_a")
    assert attempt.failures_since_start == 2
    assert AccessFailureLog.objects.filter(username="official_a").count() == 2


def test_five_failures_lock_the_account_even_with_the_right_password(official_a):
    client = Client()
    _fail(client, "official_a", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "official_a", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录失败次数过多" in html and "30分钟后再试" in html
    assert "_auth_user_id" not in client.session
    # From another address too: the username itself is locked.
    other = Client(REMOTE_ADDR="10.9.8.7")
    response = other.post(reverse("login"), {"username": "official_a", "password": PASSWORD})
    assert response.status_code == 429


def test_a_locked_username_does_not_lock_the_whole_office(official_a, district):
    # Everyone in a town office shares one address; a colleague still logs in.
    client = Client(REMOTE_ADDR="10.1.1.1")
    _fail(client, "official_a", settings.AXES_FAILURE_LIMIT + 1)
    colleague = Client(REMOTE_ADDR="10.1.1.1")
    response = colleague.post(reverse("login"), {"username": "district", "password": PASSWORD})
    assert response.status_code == 302


def test_a_success_clears_the_failure_count(official_a):
    client = Client()
    _fail(client, "official_a", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("login"), {"username": "official_a", "password": PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="official_a").exists()


def test_lockout_page_in_english_when_chosen(official_a):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _fail(client, "official_a", settings.AXES_FAILURE_LIMIT)
    html = client.post(reverse("login"), {"username": "official_a", "password": "x"}).content
    assert "Too many failed logins" in html.decode()


@pytest.mark.parametrize("weak", ["12345678", "password", "official_a1", "abc"])
def test_password_validators_refuse_weak_passwords(official_a, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=official_a)


def test_every_user_changes_their_password_from_the_header(client_for, cast):
    for user in cast.values():
        html = client_for(user).get(reverse("progress:dashboard")).content.decode()
        assert reverse("accounts:password_change") in html, user.username
    client = client_for(cast["official_a"])
    weak = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    new = "Heating-retrofit-2021!"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    cast["official_a"].refresh_from_db()
    assert cast["official_a"].check_password(new)
    assert client.get(reverse("progress:dashboard")).status_code == 200  # still logged in


def test_password_change_needs_the_old_password(client_for, official_a):
    client = client_for(official_a)
    new = "Heating-retrofit-2021!"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-it", "new_password1": new, "new_password2": new},
    )
    official_a.refresh_from_db()
    assert official_a.check_password(PASSWORD)


def _age_session(client, *, login_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[LOGIN_AT] = int(now - login_ago)
    session[SEEN_AT] = int(now - seen_ago)
    session.save()


def test_session_ends_after_30_minutes_idle(client_for, district):
    client = client_for(district)
    _age_session(client, login_ago=40 * 60, seen_ago=29 * 60)
    assert client.get(reverse("progress:dashboard")).status_code == 200
    _age_session(client, login_ago=40 * 60, seen_ago=31 * 60)
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    follow = client.get(response.url)
    assert "超过30分钟未操作" in follow.content.decode()


def test_each_request_keeps_the_session_alive(client_for, district):
    client = client_for(district)
    _age_session(client, login_ago=20 * 60, seen_ago=20 * 60)
    client.get(reverse("progress:dashboard"))
    assert time.time() - client.session[SEEN_AT] < 5
    # Twenty-nine idle minutes later it is still alive, because the last request counted.
    session = client.session
    session[SEEN_AT] -= 29 * 60
    session.save()
    assert client.get(reverse("progress:dashboard")).status_code == 200


def test_session_ends_12_hours_after_login_however_busy(client_for, district):
    client = client_for(district)
    _age_session(client, login_ago=11 * 3600 + 59 * 60, seen_ago=10)
    assert client.get(reverse("progress:dashboard")).status_code == 200
    _age_session(client, login_ago=12 * 3600 + 60, seen_ago=10)
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "超过12小时" in client.get(response.url).content.decode()


def test_a_real_login_stamps_the_session(official_a):
    client = Client()
    client.post(reverse("login"), {"username": "official_a", "password": PASSWORD})
    assert abs(client.session[LOGIN_AT] - time.time()) < 5


def test_session_cookie_does_not_outlive_the_maximum():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_IDLE_SECONDS == 30 * 60


def test_the_admin_never_shows_an_authenticator_secret(client_for, administrator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    client = client_for(administrator)
    for pk in (device.pk, device.pk + 1000):
        for view in ("config", "qrcode"):
            response = client.get(f"/admin/otp_totp/totpdevice/{pk}/{view}/")
            assert response.status_code == 403, (view, pk, response.status_code)
