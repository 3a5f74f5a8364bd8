"""Extra sections of the progress reports, registered by the apps that own their figures.

The reports know nothing of subsidies: the subsidies app registers its money-by-season figures
here when it starts (as it connects its signal receivers), so `tasks` never imports it.
"""

from collections.abc import Callable
from typing import Any

#: name -> callable(programme, town_id) returning the section's rows.
_SECTIONS: dict[str, Callable[..., Any]] = {}


def register_report_section(name: str, rows: Callable[..., Any]) -> None:
    _SECTIONS[name] = rows


def report_section(name: str, programme: Any, town_id: int | None = None) -> Any:
    """The section's rows, or None when no app registered it (the report leaves it out)."""
    rows = _SECTIONS.get(name)
    return None if rows is None else rows(programme, town_id=town_id)
