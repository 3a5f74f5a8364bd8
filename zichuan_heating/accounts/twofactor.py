"""Two-factor sign-in (TOTP): who needs it, enrolment by QR code, and the verification page."""

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zichuan_heating.roles import Role

# Roles that move money or hand out roles sign in with a second factor.
SECOND_FACTOR_ROLES = frozenset({Role.FINANCE_BUREAU.value, Role.ADMINISTRATOR.value})


def needs_second_factor(user) -> bool:
    return bool(
        settings.ZH_REQUIRE_2FA
        and user.is_authenticated
        and (user.is_superuser or user.role_names & SECOND_FACTOR_ROLES)
    )


def _open_paths() -> tuple[str, ...]:
    # The display switch (大字 / 高对比) is open like the language switch: it sets a cookie and
    # sends the user back to a local path, so the two-factor pages can be read enlarged too.
    names = (
        "accounts:twofactor_setup",
        "accounts:twofactor_verify",
        "logout",
        "set_language",
        "display",
    )
    return tuple(reverse(name) for name in names)


def _to(name: str, next_url: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


class TwoFactorRequiredMiddleware:
    """A finance or administrator session not yet verified reaches only the 2FA pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_second_factor(user)
            and not user.is_verified()
            and request.path not in _open_paths()
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "accounts:twofactor_verify" if enrolled else "accounts:twofactor_setup"
            return _to(target, request.get_full_path())
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("动态验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("请输入身份验证器显示的6位数字。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup: drawn here, no image service, no CDN."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def twofactor_setup(request: HttpRequest) -> HttpResponse:
    """First login: bind an authenticator app by scanning the QR code, confirm with a code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(
            f"{reverse('accounts:twofactor_verify')}?{urlencode({'next': _next_url(request)})}"
        )
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        matched, refusal = _match([device], form.cleaned_data["token"])
        if matched:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", refusal)
    context = {
        "form": form,
        "qr": mark_safe(qr_svg(device.config_url)),
        "secret": _grouped_secret(device),
        "next": _next_url(request),
    }
    return render(request, "accounts/twofactor_setup.html", context)


def _match(devices: list[TOTPDevice], token: str) -> tuple[TOTPDevice | None, str]:
    """The device the code belongs to, or None and why it was refused.

    django-otp doubles the wait after each wrong code, so guessing a million codes stays
    hopeless; a code sent while waiting is refused whatever it is.
    """
    if not any(device.verify_is_allowed()[0] for device in devices):
        return None, _("验证码错误次数过多，请稍候几秒再试。")
    for device in devices:
        if device.verify_token(token.strip()):
            return device, ""
    return None, _("验证码不正确或已过期，请重新输入。")


def _grouped_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def twofactor_verify(request: HttpRequest) -> HttpResponse:
    """Each login of a finance or administrator user: the code from their authenticator."""
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(
            f"{reverse('accounts:twofactor_setup')}?{urlencode({'next': _next_url(request)})}"
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        matched, refusal = _match(devices, form.cleaned_data["token"])
        if matched:
            otp_login(request, matched)
            return redirect(_next_url(request))
        form.add_error("token", refusal)
    return render(
        request, "accounts/twofactor_verify.html", {"form": form, "next": _next_url(request)}
    )
