"""History reasons: fixed constants stored as their Chinese message id, translated when shown.

Each app lists its reasons as `TextChoices` whose value is the Chinese text (marked for
translation through the label), so the stored value never depends on the language of whoever
made the change, and `reason_label` shows it in the reader's language.
"""

from django.utils.translation import gettext


def reason_label(value: str | None) -> str:
    """A stored history reason in the current language (a free text stays as it is)."""
    return gettext(value) if value else ""
