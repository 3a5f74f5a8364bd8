"""Photos and scans of inspections and rectifications: what is accepted, and saving them."""

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from acceptance.models import Acceptance, Attachment, AttachmentKind, Rectification

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_MAGIC = (
    (b"\xff\xd8\xff", AttachmentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", AttachmentKind.PNG),
    (b"%PDF-", AttachmentKind.PDF),
)


def _size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    return size


def attachment_sniff(file: Any) -> tuple[str | None, str | None]:
    """(kind, None) when the file is a JPEG, PNG or PDF of at most 10 MB, else (None, message).

    The type comes from the first bytes of the content, never from the name or the browser's
    claimed content type.
    """
    name = getattr(file, "name", "") or ""
    size = _size(file)
    if size > ATTACHMENT_MAX_BYTES:
        return None, _("附件“%(name)s”超过 10 MB。") % {"name": name}
    if size == 0:
        return None, _("附件“%(name)s”是空文件。") % {"name": name}
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind, None
    return None, _("附件“%(name)s”不是 JPEG、PNG 照片或 PDF 扫描件。") % {"name": name}


def attachment_errors(files: Iterable[Any]) -> list[str]:
    return [msg for f in files for _kind, msg in [attachment_sniff(f)] if msg]


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
