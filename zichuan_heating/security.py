"""Request-level guards: a request id on every response and log record, the Permissions-Policy
header, refusal of input PostgreSQL cannot store, and the site's own error pages."""

import contextvars
import logging
import re
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader

# The id of the request being served, for log records written anywhere below the middleware.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default="-"
)

# PostgreSQL refuses NUL in text, and UTF-8 cannot carry a lone surrogate: a value holding
# either would fail in the database as a 500, so the request is refused at the door.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def install_log_record_factory() -> None:
    """Give every log record a `request_id` attribute (the formatter prints it)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id.get()
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


class RequestIdFilter(logging.Filter):
    """For records made without the factory (logging.makeLogRecord): the id, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class RequestIdMiddleware:
    """A fresh random id per request: on `request.request_id`, in logs and in `X-Request-ID`.

    An id sent by the client is not trusted (it would let anyone forge log lines' ids).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = secrets.token_hex(8)
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


class PermissionsPolicyMiddleware:
    """No camera, microphone, location or payment features for any page of the site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _texts(request: HttpRequest) -> Iterable[str]:
    yield request.path
    for query in (request.GET, request.POST):
        for key, values in query.lists():
            yield key
            yield from values
    for key, uploads in request.FILES.lists():
        yield key
        yield from (upload.name or "" for upload in uploads)
    for key, value in request.COOKIES.items():
        yield key
        yield value


class RefuseUnstorableInputMiddleware:
    """A NUL byte or lone surrogate in the path, a parameter, a field or a cookie: 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(UNSTORABLE.search(text) for text in _texts(request)):
            logging.getLogger("zichuan.security").warning(
                "refused input PostgreSQL cannot store: %s %s", request.method, request.path_info
            )
            return bad_request(request, None)
        return self.get_response(request)


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    # No context processors: the database may be why we are here.
    context = {"request_id": getattr(request, "request_id", "-"), "request": request}
    return HttpResponse(loader.render_to_string(template, context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (or from another site): our own 403 page."""
    from django.shortcuts import render

    return render(request, "403.html", {"csrf_failure": True}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, "500.html", 500)
