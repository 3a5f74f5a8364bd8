"""Reads shared by the parts of one page: a GET's panels and charts ask for the same rows (the
towns' quotas, the district's quota, the first plan approvals), and each is read once per
request instead of once per part.

`RequestMemoMiddleware` opens a memo for each GET or HEAD request (they write nothing, so a
read cannot go stale within one); `per_request` functions keep their results in it, keyed by
their arguments (model instances by primary key). Outside such a request (a POST, a job, a
test calling the function) nothing is kept and every call reads."""

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

_memo: ContextVar[dict | None] = ContextVar("zichuan_request_memo", default=None)

F = TypeVar("F", bound=Callable[..., Any])


class RequestMemoMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def _key(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_key(v) for v in value)
    pk = getattr(value, "pk", None)
    return (type(value).__name__, pk) if pk is not None else value


def per_request(func: F) -> F:
    """Keep `func`'s result for the rest of the request, keyed by the function itself and its
    arguments (a list is handed out as a copy, so a caller that adds a row changes only its
    own)."""

    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        memo = _memo.get()
        if memo is None:
            return func(*args)
        key = (func, *(_key(a) for a in args))
        if key not in memo:
            memo[key] = func(*args)
        value = memo[key]
        return list(value) if isinstance(value, list) else value

    return wrapper  # type: ignore[return-value]
