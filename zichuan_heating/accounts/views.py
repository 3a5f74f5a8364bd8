"""The administrators' user page (list, create, edit) and every user's password change."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zichuan_heating.accounts import queries, services
from zichuan_heating.accounts.forms import UserForm
from zichuan_heating.feedback import add_service_error
from zichuan_heating.models import User
from zichuan_heating.roles import role_of


def manager_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not services.may_manage_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _with_service_errors(form: UserForm, call) -> object | None:
    try:
        return call()
    except ValidationError as exc:
        add_service_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
    return None


#: What creating and editing a user both pass from the form to their service.
PROFILE_FIELDS = ("role", "town", "last_name", "first_name", "email")


def _profile(data: dict) -> dict:
    return {name: data[name] for name in PROFILE_FIELDS}


@manager_required
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = Paginator(queries.users_search(q), 30).get_page(request.GET.get("page"))
    changes = queries.role_changes()[:30]
    return render(request, "accounts/user_list.html", {"page": page, "q": q, "changes": changes})


@never_cache
@manager_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _with_service_errors(
            form,
            lambda: services.user_create(
                by=request.user, username=data["username"], **_profile(data)
            ),
        )
        if created:
            user, password = created
            # Shown on this response only: never in a message cookie or a redirect.
            return render(request, "accounts/user_password.html", {"target": user, "pw": password})
    return render(request, "accounts/user_form.html", {"form": form, "target": None})


@never_cache
@manager_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    own = target.pk == request.user.pk
    initial = {"role": role_of(target), "town": target.town}
    form = UserForm(request.POST or None, instance=target, initial=initial, own=own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _with_service_errors(
            form,
            lambda: (
                services.user_update(
                    by=request.user, user=target, is_active=data["is_active"], **_profile(data)
                )
                or True
            ),
        )
        if done:
            messages.success(request, _("已保存。"))
            return redirect("accounts:user_edit", pk=target.pk)
    context = {
        "form": form,
        "target": target,
        "own": own,
        "changes": queries.role_changes(target)[:50],
        "has_2fa": target.totpdevice_set.filter(confirmed=True).exists(),
    }
    return render(request, "accounts/user_form.html", context)


@never_cache
@require_POST
@manager_required
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    password = services.user_password_reset(by=request.user, user=target)
    return render(request, "accounts/user_password.html", {"target": target, "pw": password})


@require_POST
@manager_required
def user_twofactor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    services.user_twofactor_reset(by=request.user, user=target)
    messages.success(request, _("已清除该用户的身份验证器，下次登录时需重新绑定。"))
    return redirect("accounts:user_edit", pk=target.pk)


password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
