"""Two-factor sign-in for finance and administrators: enrolment by QR code, then a code."""

import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_2fa")]


@pytest.fixture
def require_2fa():
    with override_settings(ZH_REQUIRE_2FA=True):
        yield


def code_for(device: TOTPDevice) -> str:
    """The code the user's phone shows now (a real TOTP computation, RFC 6238)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def _password_login(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_setting_follows_debug():
    from django.conf import settings

    assert settings.ZH_REQUIRE_2FA is True  # turned on here; settings.py: `not DEBUG`


def test_finance_enrols_by_qr_code_on_first_login(finance):
    client = _password_login("finance")
    response = client.get(reverse("subsidies:overview"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:twofactor_setup"))
    page = client.get(response.url)
    html = page.content.decode()
    assert "<svg" in html and "<path" in html, "the QR code is inline SVG, drawn by the server"
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    ), "no external image or CDN"
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    wrong_code = "000000" if code_for(device) != "000000" else "111111"
    wrong = client.post(response.url, {"token": wrong_code})
    assert "验证码不正确" in wrong.content.decode()
    # Right after a wrong code even the right one waits (django-otp's throttle), then works.
    throttled = client.post(response.url, {"token": code_for(device)})
    assert "错误次数过多" in throttled.content.decode()
    time.sleep(1.1)
    device.refresh_from_db()
    done = client.post(
        reverse("accounts:twofactor_setup"),
        {"token": code_for(device), "next": reverse("subsidies:overview")},
    )
    assert done.status_code == 302 and done.url == reverse("subsidies:overview")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("subsidies:overview")).status_code == 200


def test_an_enrolled_user_gives_a_code_at_each_login(finance):
    device = TOTPDevice.objects.create(user=finance, name="default", confirmed=True)
    client = _password_login("finance")
    response = client.get(reverse("progress:dashboard"))
    assert response.url.startswith(reverse("accounts:twofactor_verify"))
    # Enrolling a second device is not offered once one is confirmed.
    setup = client.get(reverse("accounts:twofactor_setup"))
    assert setup.status_code == 302 and setup.url.startswith(reverse("accounts:twofactor_verify"))
    bad = client.post(reverse("accounts:twofactor_verify"), {"token": "12345"})
    assert "6位数字" in bad.content.decode()
    assert client.get(reverse("progress:dashboard")).status_code == 302
    ok = client.post(reverse("accounts:twofactor_verify"), {"token": code_for(device)})
    assert ok.status_code == 302
    assert client.get(reverse("progress:dashboard")).status_code == 200


def test_a_used_code_does_not_work_twice(finance):
    device = TOTPDevice.objects.create(user=finance, name="default", confirmed=True)
    token = code_for(device)
    first = _password_login("finance")
    first.post(reverse("accounts:twofactor_verify"), {"token": token})
    assert first.get(reverse("progress:dashboard")).status_code == 200
    second = _password_login("finance")
    second.post(reverse("accounts:twofactor_verify"), {"token": token})
    assert second.get(reverse("progress:dashboard")).status_code == 302


def test_administrators_and_superusers_need_it_too_and_the_admin_is_covered(
    plain_admin, administrator
):
    for user in (plain_admin, administrator):
        client = _password_login(user.username)
        for url in (reverse("accounts:user_list"), reverse("admin:index")):
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response.url.startswith(reverse("accounts:twofactor_setup"))


def test_officials_and_district_sign_in_with_a_password_only(official_a, district):
    for name in ("official_a", "district"):
        client = _password_login(name)
        assert client.get(reverse("progress:dashboard")).status_code == 200


def test_the_verify_page_never_redirects_off_site(finance):
    device = TOTPDevice.objects.create(user=finance, name="default", confirmed=True)
    client = _password_login("finance")
    response = client.post(
        reverse("accounts:twofactor_verify"),
        {"token": code_for(device), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and not response.url.startswith("https://evil")


def test_logout_is_reachable_before_verification(finance):
    client = _password_login("finance")
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_the_display_switch_works_before_verification_and_opens_nothing_else(finance):
    client = _password_login("finance")
    setup = reverse("accounts:twofactor_setup")
    response = client.post("/display/", {"toggle": "text", "next": setup})
    assert response.status_code == 302 and response.url == setup
    assert response.cookies["zh_text"].value == "large"
    page = client.get(setup)
    assert page.status_code == 200 and b'class="text-large"' in page.content
    # Sent anywhere else, the next page is still the two-factor page.
    response = client.post("/display/", {"toggle": "text", "next": "/subsidies/"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(setup)


def test_an_administrator_clears_a_lost_authenticator(finance, plain_admin2):
    TOTPDevice.objects.create(user=finance, name="default", confirmed=True)
    from zichuan_heating.accounts.services import user_twofactor_reset

    with override_settings(ZH_REQUIRE_2FA=False):
        user_twofactor_reset(by=plain_admin2, user=finance)
    assert not TOTPDevice.objects.filter(user=finance).exists()
    client = _password_login("finance")
    assert client.get(reverse("progress:dashboard")).url.startswith(
        reverse("accounts:twofactor_setup")
    )
