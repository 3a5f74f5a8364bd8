"""Text cells written to spreadsheets: safe against formula injection and invalid XML.

One rule for every export (ledger, acceptance register, disbursement sheet):
- characters XML 1.0 forbids, other C0/C1 controls, lone surrogates and invisible direction or
  zero-width marks are removed (tab, newline and carriage return stay: they are valid);
- a cell that a spreadsheet program would run as a formula (starting with = + - @, or a tab or
  carriage return before one) gets a leading apostrophe, shown as text;
- so does a text XlsxWriter would take for raw rich-string XML (`<r>…</r>`).
"""

import re
from typing import Any

_REMOVE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = _REMOVE.sub("", "" if value is None else str(value))
    if text.startswith(FORMULA_START) or (text.startswith("<r>") and text.endswith("</r>")):
        return "'" + text
    return text
