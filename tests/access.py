"""The access battery every view gets: right role works, other town 404, wrong role 403,
anonymous is sent to log in, wrong method 405.
"""

from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client


def assert_login_redirect(url: str, method: str = "get") -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 302, f"{method.upper()} {url}: {response.status_code}"
    target = urlsplit(response.url)
    assert target.path == resolve_url(settings.LOGIN_URL), f"{method.upper()} {url}: {response.url}"
    assert parse_qs(target.query).get("next") == [url], (
        f"{method.upper()} {url}: login without next={url}: {response.url}"
    )


def assert_status(client: Client, url: str, status: int, method: str = "get", **kw) -> None:
    response = getattr(client, method)(url, **kw)
    assert response.status_code == status, (
        f"{method.upper()} {url}: expected {status}, got {response.status_code}"
    )


def battery(
    url: str,
    *,
    ok: Iterable,
    not_found: Iterable = (),
    forbidden: Iterable = (),
    method: str = "get",
    ok_status: int = 200,
    wrong_method: str | None = None,
    data: dict | None = None,
) -> None:
    """Run the whole battery for one URL. `ok`, `not_found`, `forbidden` are users."""
    kw = {"data": data} if data is not None else {}
    for user in ok:
        c = Client()
        c.force_login(user)
        assert_status(c, url, ok_status, method, **kw)
    for user in not_found:
        c = Client()
        c.force_login(user)
        assert_status(c, url, 404, method, **kw)
    for user in forbidden:
        c = Client()
        c.force_login(user)
        assert_status(c, url, 403, method, **kw)
    assert_login_redirect(url, method)
    if wrong_method:
        for user in list(ok)[:1]:
            c = Client()
            c.force_login(user)
            assert_status(c, url, 405, wrong_method)
