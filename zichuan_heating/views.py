"""Project-wide pages: the user's notification list; the display switches (大字, 高对比)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zichuan_heating.services import notifications_mark_read


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
    return render(request, "notifications.html", {"page": page})


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notifications:list")


#: The display switches of 适老化: what the form sends → (cookie, value when on). base.html reads
#: the cookies to set the <html> classes before the first paint; static/js/base.js sets the same
#: cookies without a reload, and this view is the no-script way.
DISPLAY_SWITCHES = {"text": ("zh_text", "large"), "contrast": ("zh_contrast", "high")}
DISPLAY_COOKIE_AGE = 400 * 24 * 3600


@require_POST
def display_toggle(request: HttpRequest) -> HttpResponse:
    """Turn one display switch over for this browser and go back to the page it was pressed on."""
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = "/"
    response = redirect(target)
    switch = DISPLAY_SWITCHES.get(request.POST.get("toggle", ""))
    if switch:
        cookie, on = switch
        if request.COOKIES.get(cookie) == on:
            response.delete_cookie(cookie, samesite="Lax")
        else:
            response.set_cookie(
                cookie,
                on,
                max_age=DISPLAY_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
    return response
