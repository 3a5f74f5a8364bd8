"""Acceptance checklists per heating route, written in code so every record is checked alike.

The same list serves completion (竣工验收) and commissioning (调试验收): the construction norms
name the items per route, and both inspections walk through all of them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tasks.models import Route


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str


CHECKLISTS: dict[str, tuple[ChecklistItem, ...]] = {
    Route.GAS: (
        ChecklistItem("gas_pipe_pressure", _("管道压力试验")),
        ChecklistItem("gas_leak", _("燃气泄漏检测")),
        ChecklistItem("gas_alarm", _("燃气报警器已安装")),
        ChecklistItem("gas_flue", _("烟道与通风")),
        ChecklistItem("gas_boiler_runs", _("壁挂炉运行正常")),
    ),
    Route.ELECTRIC: (
        ChecklistItem("elec_circuit", _("线路容量满足要求")),
        ChecklistItem("elec_unit_runs", _("设备运行并达到设定温度")),
    ),
    Route.CENTRAL: (
        ChecklistItem("central_pressure", _("管网压力试验")),
        ChecklistItem("central_radiators", _("散热器供热正常")),
    ),
}

_LABELS = {item.code: item.label for items in CHECKLISTS.values() for item in items}


def checklist_for(route: str) -> tuple[ChecklistItem, ...]:
    """The items an inspection of a household on this route must record."""
    return CHECKLISTS.get(route, ())


def item_label(code: str) -> str:
    return str(_LABELS.get(code, code))
