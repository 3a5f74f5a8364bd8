"""The Django admin does not let a plain administrator grant superuser, roles or permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from zichuan_heating.models import User
from zichuan_heating.roles import Role

pytestmark = pytest.mark.django_db


def _change_form_data(client, user):
    """The admin change form as the browser would post it, from its own fields."""
    response = client.get(reverse("admin:zichuan_heating_user_change", args=[user.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "password":
            continue
        data[name] = value
    data.update({"date_joined_0": "2021-01-01", "date_joined_1": "00:00:00"})
    return data


def test_a_plain_administrator_cannot_make_itself_superuser_or_finance(client_for, plain_admin):
    client = client_for(plain_admin)
    response = client.get(reverse("admin:zichuan_heating_user_change", args=[plain_admin.pk]))
    form_fields = response.context["adminform"].form.fields
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert name not in form_fields, f"{name} is editable"
    data = _change_form_data(client, plain_admin)
    data.update(
        {
            "is_superuser": "on",
            "groups": [Group.objects.get(name=Role.FINANCE_BUREAU).pk],
            "user_permissions": [Permission.objects.get(codename="approve_batch").pk],
        }
    )
    client.post(reverse("admin:zichuan_heating_user_change", args=[plain_admin.pk]), data)
    plain_admin = User.objects.get(pk=plain_admin.pk)
    assert not plain_admin.is_superuser
    assert list(plain_admin.groups.values_list("name", flat=True)) == [Role.ADMINISTRATOR]
    assert not plain_admin.user_permissions.exists()
    assert not plain_admin.has_perm("subsidies.approve_batch")


def test_a_plain_administrator_cannot_grant_another_user_privileges(client_for, plain_admin, cast):
    client = client_for(plain_admin)
    target = cast["district"]
    data = _change_form_data(client, target)
    data.update(
        {
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name=Role.FINANCE_BUREAU).pk],
        }
    )
    client.post(reverse("admin:zichuan_heating_user_change", args=[target.pk]), data)
    target = User.objects.get(pk=target.pk)
    assert not target.is_superuser and not target.is_staff
    assert list(target.groups.values_list("name", flat=True)) == [Role.DISTRICT_OFFICE]


def test_a_plain_administrator_cannot_edit_a_superuser_or_set_its_password(
    client_for, plain_admin, cast
):
    client = client_for(plain_admin)
    superuser = cast["administrator"]
    # Shown read-only at most: a post is refused.
    response = client.post(
        reverse("admin:zichuan_heating_user_change", args=[superuser.pk]),
        {"username": superuser.username, "is_active": ""},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active
    response = client.post(
        reverse("admin:auth_user_password_change", args=[superuser.pk]),
        {"password1": "taken-over-Pw-123", "password2": "taken-over-Pw-123"},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password("taken-over-Pw-123")


def test_users_are_added_on_the_user_page_not_in_the_admin(client_for, plain_admin):
    response = client_for(plain_admin).get(reverse("admin:zichuan_heating_user_add"))
    assert response.status_code == 403


def test_a_superuser_keeps_the_full_admin(client_for, cast):
    client = client_for(cast["administrator"])
    response = client.get(reverse("admin:zichuan_heating_user_change", args=[cast["district"].pk]))
    assert "is_superuser" in response.context["adminform"].form.fields
