"""Filters for the household ledger; shared by the list page and the xlsx export."""

from typing import Any

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.collation import Pinyin
from tasks.models import Household, HouseholdStatus, Route, Town, Village


class PinyinOrderingFilter(django_filters.OrderingFilter):
    """Sorting by a name sorts in pinyin order (`tasks.collation.Pinyin`: ICU on PostgreSQL,
    code point order on SQLite); other columns sort as they are."""

    pinyin_fields = frozenset({"head_name", "village__name"})

    def get_ordering_value(self, param: str) -> Any:
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.pinyin_fields:
            return value
        expression = Pinyin(name)
        return expression.desc() if value.startswith("-") else expression.asc()


class HouseholdFilter(django_filters.FilterSet):
    """Search by name, village or the tail of the ID number; filter by town, village, route,
    status. Built per user: the town and village choices are scoped to what the user may see.
    """

    q = django_filters.CharFilter(
        label=_("搜索"), method="search", help_text=_("户主姓名、村（居）或身份证号后4～6位")
    )
    town = django_filters.ModelChoiceFilter(label=_("镇（街道）"), queryset=Town.objects.none())
    village = django_filters.ModelChoiceFilter(label=_("村（居）"), queryset=Village.objects.none())
    route = django_filters.ChoiceFilter(label=_("改造方式"), choices=Route.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=HouseholdStatus.choices)
    ordering = PinyinOrderingFilter(
        label=_("排序"),
        fields=(
            ("head_name", "head_name"),
            ("village__name", "village"),
            ("status", "status"),
            ("route", "route"),
            ("updated_at", "updated"),
            ("id", "id"),
        ),
        field_labels={
            "head_name": _("户主姓名"),
            "village__name": _("村（居）"),
            "status": _("状态"),
            "route": _("改造方式"),
            "updated_at": _("更新时间"),
            "id": _("登记顺序"),
        },
    )

    class Meta:
        model = Household
        fields = ["q", "town", "village", "route", "status"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.filters["town"].queryset = Town.objects.for_user(user)
            villages = Village.objects.for_user(user).select_related("town")
            town_id = self.data.get("town") if self.data else None
            if town_id and str(town_id).isdigit():
                villages = villages.filter(town_id=int(town_id))
            self.filters["village"].queryset = villages

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        tail = value.upper()
        if tail[:-1].isdigit() and (tail[-1].isdigit() or tail[-1] == "X") and len(tail) <= 6:
            return queryset.filter(id_tail__in=id_tails_ending(tail))
        # A prefix as a range, so the (programme, head_name) index serves it: PostgreSQL only
        # uses an index for LIKE 'x%' under the plain "C" collation. The startswith keeps the
        # meaning exact under any collation. Villages are looked up first (a small table), so
        # the OR is two index scans rather than a join over the whole ledger.
        village_ids = Village.objects.filter(name__startswith=value).values_list("id", flat=True)
        by_name = Q(head_name__gte=value, head_name__lt=value + "\U0010ffff") & Q(
            head_name__startswith=value
        )
        return queryset.filter(by_name | Q(village_id__in=list(village_ids)))


#: Birth days as the last two digits of the date: the characters in front of a short tail.
_DAYS = [f"{d:02d}" for d in range(1, 32)]


def id_tails_ending(tail: str) -> list[str]:
    """The stored six-character tails that end with `tail`, for an indexed IN lookup.

    The six characters are the day of birth (2), the sequence (3) and the check character,
    so a 4-character tail has 31 possible fronts and a 5-character one 4; shorter tails would
    match too many rows to be a search and find nothing.
    """
    if len(tail) == 6:
        return [tail]
    if len(tail) == 5:
        return [d + tail for d in "0123"]
    if len(tail) == 4:
        return [d + tail for d in _DAYS]
    return []
