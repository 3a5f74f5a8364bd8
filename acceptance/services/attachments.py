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


def attachments_save(
    files: Iterable[UploadedFile],
    *,
    acceptance: Acceptance,
    by: Any,
    rectification: Rectification | None = None,
) -> list[Attachment]:
    """Save files already checked by `attachment_errors`, under random names."""
    saved = []
    for f in files:
        kind, _msg = attachment_sniff(f)
        attachment = Attachment(
            acceptance=acceptance,
            rectification=rectification,
            original_name=(getattr(f, "name", "") or "")[-200:],
            kind=kind,
            size=f.size,
            uploaded_by=by,
        )
        attachment._history_user = by
        attachment.file.save(attachment.original_name or "upload", f, save=False)
        attachment.save()
        saved.append(attachment)
    return saved
