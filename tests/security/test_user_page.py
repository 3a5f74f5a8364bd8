"""Separation of duties on the user page: one role each, nobody their own, every change kept."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.access import battery
from zichuan_heating.models import RoleChange, User
from zichuan_heating.roles import Role, role_of

pytestmark = pytest.mark.django_db


def _post_edit(client, user, **changes):
    data = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "role": role_of(user),
        "town": user.town_id or "",
    }
    data.update(changes)
    return client.post(reverse("accounts:user_edit", args=[user.pk]), data)


def test_only_administrators_reach_the_user_page(cast, plain_admin):
    for name in ("accounts:user_list", "accounts:user_create"):
        battery(
            reverse(name),
            ok=[plain_admin, cast["administrator"]],
            forbidden=[cast["official_a"], cast["district"], cast["finance"]],
        )
    battery(
        reverse("accounts:user_edit", args=[cast["finance"].pk]),
        ok=[plain_admin],
        forbidden=[cast["official_a"], cast["district"], cast["finance2"]],
    )


def test_list_searches_and_pages(client_for, plain_admin, cast):
    from tests.factories import UserFactory

    for i in range(35):
        UserFactory(username=f"many{i:02d}", role=Role.DISTRICT_OFFICE)
    client = client_for(plain_admin)
    html = client.get(reverse("accounts:user_list"), {"q": "official_a"}).content.decode()
    assert "official_a" in html and "finance2" not in html
    html = client.get(reverse("accounts:user_list"), {"q": "洪山"}).content.decode()
    assert "official_a" in html and "official_b" not in html
    first = client.get(reverse("accounts:user_list")).content.decode()
    second = client.get(reverse("accounts:user_list"), {"page": 2}).content.decode()
    assert 'rel="next"' in first and "many34" in second and "many34" not in first


def test_create_gives_exactly_one_role_and_a_one_time_password(client_for, plain_admin, town_a):
    client = client_for(plain_admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newbie",
            "last_name": "王",
            "first_name": "五",
            "email": "",
            "role": Role.TOWN_OFFICIAL,
            "town": town_a.pk,
        },
    )
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    user = User.objects.get(username="newbie")
    assert list(user.groups.values_list("name", flat=True)) == [Role.TOWN_OFFICIAL]
    assert user.town == town_a and not user.is_staff and not user.is_superuser
    password = response.context["pw"]
    assert password in response.content.decode() and user.check_password(password)
    change = RoleChange.objects.get(user=user)
    assert (change.changed_by, change.from_role, change.to_role, change.to_town) == (
        plain_admin,
        "",
        Role.TOWN_OFFICIAL,
        town_a,
    )


def test_a_town_official_needs_exactly_one_town(client_for, plain_admin, town_a):
    client = client_for(plain_admin)
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "townless", "role": Role.TOWN_OFFICIAL, "town": ""},
    )
    assert "镇（街道）工作人员必须绑定所属镇（街道）" in response.content.decode()
    assert not User.objects.filter(username="townless").exists()
    # Any other role drops a town: a district user belonging to 洪山镇 would be stale.
    client.post(
        reverse("accounts:user_create"),
        {"username": "districtx", "role": Role.DISTRICT_OFFICE, "town": town_a.pk},
    )
    assert User.objects.get(username="districtx").town is None


def test_role_change_replaces_the_role_and_is_recorded_and_listed(client_for, plain_admin, cast):
    official = cast["official_a"]
    official.user_permissions.add(Permission.objects.get(codename="approve_batch"))
    client = client_for(plain_admin)
    response = _post_edit(client, official, role=Role.DISTRICT_OFFICE, town="")
    assert response.status_code == 302
    official.refresh_from_db()
    assert list(official.groups.values_list("name", flat=True)) == [Role.DISTRICT_OFFICE]
    assert official.town is None
    assert not official.user_permissions.exists(), "raw permissions never survive the page"
    change = RoleChange.objects.get(user=official)
    assert change.changed_by == plain_admin
    assert (change.from_role, change.from_town.code) == (Role.TOWN_OFFICIAL, "hongshan")
    assert (change.to_role, change.to_town) == (Role.DISTRICT_OFFICE, None)
    assert change.changed_at is not None
    listed = client.get(reverse("accounts:user_list")).content.decode()
    assert "区清洁取暖办" in listed and "plain_admin" in listed
    detail = client.get(reverse("accounts:user_edit", args=[official.pk])).content.decode()
    assert "洪山镇" in detail
    # Saving without a change records nothing more.
    official.refresh_from_db()
    _post_edit(client, official)
    assert RoleChange.objects.filter(user=official).count() == 1


def test_nobody_changes_their_own_role(client_for, plain_admin):
    client = client_for(plain_admin)
    _post_edit(client, plain_admin, role=Role.FINANCE_BUREAU)
    plain_admin.refresh_from_db()
    assert role_of(plain_admin) == Role.ADMINISTRATOR
    assert not RoleChange.objects.exists()
    _post_edit(client, plain_admin, is_active="")
    plain_admin.refresh_from_db()
    assert plain_admin.is_active


def test_own_role_change_refused_by_the_service_too(plain_admin):
    from django.core.exceptions import PermissionDenied

    from zichuan_heating.accounts.services import user_update

    with pytest.raises(PermissionDenied, match="不能更改自己的角色"):
        user_update(
            by=plain_admin,
            user=plain_admin,
            role=Role.FINANCE_BUREAU,
            town=None,
            last_name="",
            first_name="",
            email="",
            is_active=True,
        )


def test_superuser_and_permissions_are_not_fields_of_the_page(client_for, plain_admin, cast):
    client = client_for(plain_admin)
    target = cast["district"]
    response = _post_edit(
        client,
        target,
        is_superuser="on",
        is_staff="on",
        groups=["1", "2"],
        user_permissions=[Permission.objects.get(codename="approve_batch").pk],
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff
    assert not target.user_permissions.exists()
    assert list(target.groups.values_list("name", flat=True)) == [Role.DISTRICT_OFFICE]
    html = client.get(reverse("accounts:user_edit", args=[target.pk])).content.decode()
    assert "is_superuser" not in html and "user_permissions" not in html


def test_a_plain_administrator_cannot_touch_a_superuser(client_for, plain_admin, cast):
    superuser = cast["administrator"]
    client = client_for(plain_admin)
    response = _post_edit(client, superuser, role=Role.DISTRICT_OFFICE, is_active="")
    superuser.refresh_from_db()
    assert superuser.is_active and role_of(superuser) == Role.ADMINISTRATOR
    assert "超级用户只能在服务器命令行中管理" in response.content.decode()
    response = client.post(reverse("accounts:user_password_reset", args=[superuser.pk]))
    assert response.status_code == 403


def test_password_reset_gives_a_new_one_time_password(client_for, plain_admin, cast):
    client = client_for(plain_admin)
    target = cast["finance"]
    response = client.post(reverse("accounts:user_password_reset", args=[target.pk]))
    target.refresh_from_db()
    assert target.check_password(response.context["pw"])
    assert (
        client.post(reverse("accounts:user_password_reset", args=[plain_admin.pk])).status_code
        == 403
    )


def test_demo_admin_is_an_administrator_not_a_superuser(programme_data):
    from zichuan_heating.demo import demo_users_create

    demo_users_create(password="demo-pw-long-enough")
    admin = User.objects.get(username="admin")
    assert not admin.is_superuser and admin.is_staff
    assert role_of(admin) == Role.ADMINISTRATOR
    assert not User.objects.filter(is_superuser=True).exists()


def test_approval_follows_the_finance_role_not_superuser_status(cast, plain_admin):
    from zichuan_heating.roles import role_grants

    superuser = cast["administrator"]
    assert superuser.has_perm("subsidies.approve_batch")  # what Django alone would allow
    assert not role_grants(superuser, "subsidies.approve_batch")
    assert not role_grants(plain_admin, "subsidies.approve_batch")
    assert role_grants(cast["finance2"], "subsidies.approve_batch")
    # A permission granted directly (not through the role) does not count either.
    district = cast["district"]
    district.user_permissions.add(Permission.objects.get(codename="approve_batch"))
    district = User.objects.get(pk=district.pk)
    assert district.has_perm("subsidies.approve_batch")
    assert not role_grants(district, "subsidies.approve_batch")
    # A finance user who has been switched off approves nothing.
    finance = cast["finance"]
    finance.is_active = False
    assert not role_grants(finance, "subsidies.approve_batch")


def test_the_user_page_is_in_the_navigation_for_administrators_only(client_for, plain_admin, cast):
    url = reverse("accounts:user_list")
    assert url in client_for(plain_admin).get(reverse("progress:dashboard")).content.decode()
    for name in ("official_a", "district", "finance"):
        html = client_for(cast[name]).get(reverse("progress:dashboard")).content.decode()
        assert url not in html, name
