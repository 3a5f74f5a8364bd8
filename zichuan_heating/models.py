"""The user: a login, its role groups and, for town officials, exactly one town."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from zichuan_heating.roles import Role
from zichuan_heating.scoping import sees_all_towns


class User(AbstractUser):
    town = models.ForeignKey(
        "tasks.Town",
        verbose_name=_("所属镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
        help_text=_("镇（街道）工作人员必须且只能绑定一个镇（街道）。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return f"{full}（{self.username}）" if full else self.username

    def clean(self) -> None:
        super().clean()
        # Groups are saved after the user in forms, so the role rule is also checked by
        # roles.assign_role(); here we catch the plain inconsistency.
        if self.pk and self.has_role(Role.TOWN_OFFICIAL) and self.town_id is None:
            raise ValidationError({"town": _("镇（街道）工作人员必须绑定所属镇（街道）。")})

    @cached_property
    def role_names(self) -> frozenset[str]:
        if not self.is_authenticated or not self.pk:
            return frozenset()
        self.load_access()
        return self.__dict__["role_names"]

    def load_access(self) -> None:
        """The user's role names and permissions in one query (every request reads both):
        sets `role_names` and the caches `ModelBackend` keeps on the user for the request."""
        connection = connections[self._state.db or DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(*_access_query(connection, self.pk))
            rows = cursor.fetchall()
        names, group_perms, user_perms = set(), set(), set()
        for group, app_label, codename in rows:
            if group:
                names.add(group)
            if codename:
                (group_perms if group else user_perms).add(f"{app_label}.{codename}")
        self.__dict__["role_names"] = frozenset(names)
        if not self.is_superuser:  # a superuser's permissions are every permission
            self._user_perm_cache = user_perms
            self._group_perm_cache = group_perms
            self._perm_cache = user_perms | group_perms

    def has_role(self, role: "Role") -> bool:
        return role.value in self.role_names

    @property
    def role(self) -> "Role | None":
        """The user's main role, for navigation; superusers count as administrators."""
        if self.is_superuser:
            return Role.ADMINISTRATOR
        for role in Role:
            if role.value in self.role_names:
                return role
        return None

    @property
    def sees_all_towns(self) -> bool:
        return sees_all_towns(self)


_ACCESS_SQL: dict[str, str] = {}
#: Stands for the user's primary key while the query is compiled (no row has it).
_ANY_USER = -1


def _access_query(connection, user_pk: int) -> tuple[str, list]:
    """`User.load_access`'s query for one user: built with the ORM and compiled once per
    database vendor, since compiling the union of two three-join queries took more time on
    every request (~1.2 ms) than running it."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import CharField, Value

    if connection.vendor not in _ACCESS_SQL:
        by_group = Group.objects.filter(user=_ANY_USER).values_list(
            "name", "permissions__content_type__app_label", "permissions__codename"
        )
        own = (
            Permission.objects.filter(user=_ANY_USER)
            .annotate(role_name=Value("", output_field=CharField()))
            .values_list("role_name", "content_type__app_label", "codename")
            .order_by()
        )
        query = by_group.union(own, all=True).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        if list(params) != [_ANY_USER, "", _ANY_USER]:  # the user, the empty name, the user
            raise RuntimeError(f"load_access: unexpected parameters {params!r}")
        _ACCESS_SQL[connection.vendor] = sql
    return _ACCESS_SQL[connection.vendor], [user_pk, "", user_pk]


class Notification(models.Model):
    """An in-app message to one user: plan outcomes, supervision notices, reminders."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class RoleChange(models.Model):
    """One change of a user's role or town: who changed whom, from what to what, and when."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="role_changes"
    )
    changed_by = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="role_changes_made"
    )
    from_role = models.CharField(_("原角色"), max_length=30, blank=True)
    to_role = models.CharField(_("新角色"), max_length=30, blank=True)
    from_town = models.ForeignKey(
        "tasks.Town",
        verbose_name=_("原镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_town = models.ForeignKey(
        "tasks.Town",
        verbose_name=_("新镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("角色变更记录")
        verbose_name_plural = _("角色变更记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.from_role or '-'} → {self.to_role or '-'}"

    def role_label(self, value: str) -> str:
        return str(Role(value).label) if value in Role.values else (value or "—")

    @property
    def from_role_label(self) -> str:
        return self.role_label(self.from_role)

    @property
    def to_role_label(self) -> str:
        return self.role_label(self.to_role)
