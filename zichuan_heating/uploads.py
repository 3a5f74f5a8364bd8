"""Uploaded photos and scans (JPEG, PNG, PDF of at most 10 MB): the one rule every app that
takes attachments checks them by, and the form field that takes several at once."""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.db import models
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class UploadKind(models.TextChoices):
    JPEG = "jpeg", gettext_lazy("JPEG 照片")
    PNG = "png", gettext_lazy("PNG 图片")
    PDF = "pdf", gettext_lazy("PDF 扫描件")


UPLOAD_CONTENT_TYPES = {
    UploadKind.JPEG: "image/jpeg",
    UploadKind.PNG: "image/png",
    UploadKind.PDF: "application/pdf",
}
#: The suffix of the stored (random) file name of each kind.
UPLOAD_SUFFIXES = {UploadKind.JPEG: ".jpg", UploadKind.PNG: ".png", UploadKind.PDF: ".pdf"}

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
_MAGIC = (
    (b"\xff\xd8\xff", UploadKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", UploadKind.PNG),
    (b"%PDF-", UploadKind.PDF),
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


def attach_file(obj: Any, file: Any) -> Any:
    """Put a file already checked by `attachment_errors` on `obj` (a model with `file`, `kind`,
    `size` and `original_name`) under a random name; the uploader's file name is kept for the
    download. `obj` itself is not saved."""
    kind, _msg = attachment_sniff(file)
    obj.kind = kind
    obj.size = file.size
    obj.original_name = (getattr(file, "name", "") or "")[-200:]
    obj.file.save(obj.original_name or "upload", file, save=False)
    return obj


def attachments_save(files: Iterable[Any], make: Callable[[], Any], *, by: Any) -> list[Any]:
    """One saved row per checked file: `make()` gives the unsaved row, its owner set."""
    saved = []
    for file in files:
        row = attach_file(make(), file)
        row.uploaded_by = by
        row._history_user = by
        row.save()
        saved.append(row)
    return saved


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or scans at once; each is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def attachment_response(attachment: Any) -> FileResponse:
    """Serve a stored attachment (a model with file, kind, original_name, content_type) to a
    user already allowed to see it: PDFs open inline, photos download; never cached by a
    shared cache, never sniffed by the browser into another type."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        attachment.kind == UploadKind.PDF, attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
