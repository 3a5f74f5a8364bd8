"""Characters PostgreSQL cannot store (NUL, lone surrogates) are a 400, never a 500."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

GUARD = "zichuan_heating.security.RefuseUnstorableInputMiddleware"

GET_URLS = [
    "/acceptance/?town=%00",
    "/acceptance/?q=a%00b",
    "/households/?q=%00",
    "/households/?town=%00&status=%00",
    "/households/?%00=1",
    "/subsidies/batches/?season=%00",
    "/plans/overview/?q=%00",
    "/supervision/?town=%00",
    "/notifications/?page=%00",
    "/accounts/users/?q=%00",
    "/towns/hong%00shan/",
    "/plans/town/%00/",
]


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _assert_refused(response, what):
    assert response.status_code == 400, f"{what}: {response.status_code}"
    assert "无法保存的字符" in response.content.decode(), what


@pytest.mark.parametrize("url", GET_URLS)
def test_nul_in_a_query_or_path_is_a_400_for_every_role(url, cast, plain_admin):
    for user in (cast["official_a"], cast["district"], cast["finance"], plain_admin, None):
        _assert_refused(_client(user).get(url), f"{url} as {user}")


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login/", {"username": "official_a\x00", "password": "x"}),
        ("/login/", {"username": "a", "password": "\x00"}),
        ("/households/new/", {"name": "张\x00三", "id_number": "370302199001010011"}),
        ("/supervision/new/", {"title": "督办\x00"}),
        ("/accounts/users/new/", {"username": "x\x00", "role": "district_office"}),
        (
            "/accounts/password/",
            {"old_password": "\x00", "new_password1": "a", "new_password2": "a"},
        ),
        ("/plans/overview/threshold/", {"threshold\x00": "1"}),
    ],
)
def test_nul_in_a_posted_field_is_a_400(url, data, cast, plain_admin):
    for user in (cast["official_a"], cast["district"], plain_admin):
        _assert_refused(_client(user).post(url, data), f"POST {url} as {user}")


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%ED%BF%BF", "%C0%80", "%FF%FE", "%F4%90%80%80"])
def test_surrogates_and_broken_utf8_never_reach_the_database(raw, official_a, district):
    # Django decodes these to U+FFFD, which PostgreSQL stores; the page answers normally.
    for user in (official_a, district):
        for url in (f"/acceptance/?town={raw}", f"/households/?q={raw}"):
            assert _client(user).get(url).status_code in (200, 400, 404), url


def test_the_guard_knows_lone_surrogates():
    from zichuan_heating.security import UNSTORABLE

    assert UNSTORABLE.search("张\ud800三") and UNSTORABLE.search("a\x00")
    assert not UNSTORABLE.search("洪山镇 \ufffd 😀")


def test_nul_in_an_uploaded_file_name_is_never_a_500(official_a):
    upload = SimpleUploadedFile("台账\x00.xlsx", b"PK\x03\x04", content_type="application/zip")
    response = _client(official_a).post(reverse("ledger:ledger_import"), {"file": upload})
    assert response.status_code in (200, 302, 400)


def test_nul_in_the_session_cookie_is_a_400():
    client = _client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "abc\x00def"
    _assert_refused(client.get("/households/"), "session cookie")


def test_the_400_page_is_english_when_chosen(official_a):
    client = _client(official_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/acceptance/?town=%00")
    assert response.status_code == 400
    assert "characters the system cannot store" in response.content.decode()


def test_ordinary_chinese_input_passes(official_a, town_a):
    response = _client(official_a).get("/households/", {"q": "洪山 张三 %_'\"<>"})
    assert response.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses NUL in text")
def test_without_the_guard_postgresql_answers_500(official_a):
    """The failure the guard exists for (so a lost middleware line is noticed)."""
    middleware = [m for m in settings.MIDDLEWARE if m != GUARD]
    with override_settings(MIDDLEWARE=middleware):
        response = _client(official_a).get("/acceptance/?town=%00")
    assert response.status_code == 500
