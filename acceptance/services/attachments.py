"""Photos and scans of inspections and rectifications: what is accepted, and saving them."""

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from acceptance.models import Acceptance, Attachment, Rectification

# The rule itself is shared with supervision answers; re-exported here for acceptance.
from zichuan_heating.uploads import (  # noqa: F401
    ATTACHMENT_MAX_BYTES,
    attachment_errors,
    attachment_sniff,
)
from zichuan_heating.uploads import attachments_save as save_files


def attachments_save(
    files: Iterable[UploadedFile],
    *,
    acceptance: Acceptance,
    by: Any,
    rectification: Rectification | None = None,
) -> list[Attachment]:
    """Save files already checked by `attachment_errors`, under random names."""
    return save_files(
        files, lambda: Attachment(acceptance=acceptance, rectification=rectification), by=by
    )
