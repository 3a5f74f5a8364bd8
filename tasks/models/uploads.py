"""What every uploaded file shares (an acceptance record's photos, a supervision answer's
scans, a visit's photos): the uploader's file name, the kind and size `zichuan_heating.uploads`
found, who uploaded it and when. Each model adds its own `file`, whose `upload_to` names its
folder (always a random name; the uploader's is kept in `original_name`, never in a path)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.programme import recorded_user
from zichuan_heating.uploads import UPLOAD_CONTENT_TYPES, UploadKind


class Upload(models.Model):
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=8, choices=UploadKind.choices)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = recorded_user(_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return UPLOAD_CONTENT_TYPES.get(self.kind, "application/octet-stream")
