"""Session limits: 30 minutes without a request, 12 hours after login at most."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LOGIN_AT = "zh_login_at"
SEEN_AT = "zh_seen_at"
TOUCH_EVERY_SECONDS = 60


def _stamp_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


def connect() -> None:
    user_logged_in.connect(_stamp_login, dispatch_uid="zh_session_login_at")


def expired(session, now: float) -> str | None:
    """Why this session is over, or None while it is still good."""
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT, login_at)
    if login_at is None or seen_at is None:
        # A session from before these limits (or forged without them): treat as expired.
        return _("登录状态无法确认，请重新登录。")
    if now - login_at > settings.SESSION_MAX_SECONDS:
        return _("登录已超过12小时，请重新登录。")
    if now - seen_at > settings.SESSION_IDLE_SECONDS:
        return _("您已超过30分钟未操作，请重新登录。")
    return None


class SessionLimitsMiddleware:
    """Logs out a session that was idle too long or is older than the maximum, else touches it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            reason = expired(request.session, now)
            if reason:
                logout(request)
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            # Written at most once a minute (a session save costs queries on every page);
            # a stale stamp only ends the session earlier, never later.
            if now - request.session.get(SEEN_AT, 0) >= TOUCH_EVERY_SECONDS:
                request.session[SEEN_AT] = int(now)
        return self.get_response(request)
