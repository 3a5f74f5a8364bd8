"""What every uploaded spreadsheet or csv must be before it is opened: there, not empty, not too
large; and `UnusableFile`, the refusal of a file as a whole, with a message for the user."""

from pathlib import Path

from django.utils.translation import gettext as _


class UnusableFile(Exception):
    """The file as a whole cannot be used; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_size(path: Path, *, max_bytes: int, empty: str) -> int:
    """The file's size in bytes; UnusableFile when it is missing, empty (`empty` says what to
    upload instead) or larger than `max_bytes`."""
    try:
        size = path.stat().st_size
    except OSError:
        raise UnusableFile(_("找不到上传的文件，请重新上传。")) from None
    if size == 0:
        raise UnusableFile(empty)
    if size > max_bytes:
        raise UnusableFile(
            _("文件过大（%(mb).1f MB），最大允许 %(max)d MB。")
            % {"mb": size / 1048576, "max": max_bytes // 1048576}
        )
    return size
