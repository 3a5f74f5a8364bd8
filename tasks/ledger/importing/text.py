"""How the importer reads a cell's text: cleaned for storing, folded for comparing."""

import re
import unicodedata
from typing import Any

from zichuan_heating.spreadsheets import remove_controls

_SPACES = re.compile(r"\s+")


def number_text(value: Any) -> str:
    """A number as typed: 3.0 reads "3"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean_text(value: Any) -> str:
    """Control characters removed, surrounding spaces (also full-width ones) trimmed."""
    if value is None:
        return ""
    text = remove_controls(value if isinstance(value, str) else number_text(value)).strip()
    # Our own export's formula escape (`safe_cell`): take the text back as it was.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def key_text(value: Any) -> str:
    """A comparison key: cleaned, full-width folded to half-width (NFKC), no spaces at all."""
    text = clean_text(value)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text)
