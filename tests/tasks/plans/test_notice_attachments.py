"""Supervision answers take photos and scans under the acceptance attachments' rule: the type
is sniffed from the content, 10 MB at most, downloads scoped to the town and private."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tasks.models import NoticeAttachment, NoticeState
from tasks.plans import services as ps
from tests.acceptance.files import jpeg_bytes, pdf_bytes, png_bytes
from tests.access import battery
from tests.tasks.plans.test_supervision import issue
from zichuan_heating import uploads


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_answer_keeps_photos_and_scans_with_their_sniffed_kind(programme, town_a, cast):
    notice = issue(programme, town_a, cast["district"])
    files = [
        upload("现场.jpg", jpeg_bytes()),
        # Named .jpg and claimed as a JPEG, but the content is a PNG: the content decides.
        upload("拆除后.jpg", png_bytes()),
        upload("整改报告.pdf", pdf_bytes(), "application/pdf"),
    ]
    ps.notice_answer(notice=notice, by=cast["official_a"], answer="已全部整改。", attachments=files)
    notice.refresh_from_db()
    assert notice.state == NoticeState.ANSWERED
    saved = list(notice.attachments.order_by("pk"))
    assert [(a.original_name, a.kind) for a in saved] == [
        ("现场.jpg", "jpeg"),
        ("拆除后.jpg", "png"),
        ("整改报告.pdf", "pdf"),
    ]
    assert saved[1].file.name.endswith(".png") and "拆除后" not in saved[1].file.name
    assert all(a.uploaded_by == cast["official_a"] for a in saved)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("照片.jpg", b"<html><script>alert(1)</script></html>", "不是 JPEG、PNG 照片或 PDF 扫描件"),
        ("照片.png", b"", "是空文件"),
        ("大图.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ],
)
def test_answer_refuses_a_file_outside_the_rule_and_saves_nothing(
    programme, town_a, cast, name, content, message
):
    notice = issue(programme, town_a, cast["district"])
    with pytest.raises(ValidationError) as exc:
        ps.notice_answer(
            notice=notice,
            by=cast["official_a"],
            answer="已整改。",
            attachments=[upload("好的.jpg", jpeg_bytes()), upload(name, content)],
        )
    assert message in " ".join(exc.value.message_dict["attachments"])
    notice.refresh_from_db()
    assert notice.state == NoticeState.OPEN
    assert notice.answer == ""
    assert not NoticeAttachment.objects.exists()


def test_the_limit_is_exactly_ten_megabytes():
    at_limit = upload("a.jpg", b"\xff\xd8\xff" + b"0" * (uploads.ATTACHMENT_MAX_BYTES - 3))
    over = upload("b.jpg", b"\xff\xd8\xff" + b"0" * (uploads.ATTACHMENT_MAX_BYTES - 2))
    assert uploads.attachment_sniff(at_limit) == ("jpeg", None)
    assert uploads.attachment_sniff(over)[0] is None


def test_acceptance_uses_the_same_rule():
    from acceptance.services import attachments

    assert attachments.attachment_sniff is uploads.attachment_sniff
    assert attachments.attachment_errors is uploads.attachment_errors


def test_answer_page_uploads_and_downloads_privately(programme, town_a, cast):
    notice = issue(programme, town_a, cast["district"])
    c = Client()
    c.force_login(cast["official_a"])
    detail = c.get(reverse("plans:notice_detail", args=[notice.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in detail and 'name="attachments"' in detail
    response = c.post(
        reverse("plans:notice_answer", args=[notice.pk]),
        {"answer": "已整改。", "attachments": [upload("现场.jpg", jpeg_bytes())]},
    )
    assert response.status_code == 302
    attachment = NoticeAttachment.objects.get()
    page = c.get(reverse("plans:notice_detail", args=[notice.pk])).content.decode()
    assert attachment.get_absolute_url() in page and "现场.jpg" in page
    download = c.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert "private" in download["Cache-Control"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == jpeg_bytes()


def test_a_refused_file_on_the_page_says_why_and_keeps_the_notice_open(programme, town_a, cast):
    notice = issue(programme, town_a, cast["district"])
    c = Client()
    c.force_login(cast["official_a"])
    response = c.post(
        reverse("plans:notice_answer", args=[notice.pk]),
        {"answer": "已整改。", "attachments": [upload("x.pdf", b"MZ\x90\x00", "application/pdf")]},
        follow=True,
    )
    assert "不是 JPEG、PNG 照片或 PDF 扫描件" in response.content.decode()
    notice.refresh_from_db()
    assert notice.state == NoticeState.OPEN
    assert not NoticeAttachment.objects.exists()


def test_attachment_download_access_battery(programme, town_a, cast, stranger):
    notice = issue(programme, town_a, cast["district"])
    ps.notice_answer(
        notice=notice,
        by=cast["official_a"],
        answer="已整改。",
        attachments=[upload("整改报告.pdf", pdf_bytes(), "application/pdf")],
    )
    url = NoticeAttachment.objects.get().get_absolute_url()
    battery(
        url,
        ok=[cast["official_a"], cast["district"], cast["administrator"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["finance"], stranger],
        wrong_method="post",
    )
    c = Client()
    c.force_login(cast["official_a"])
    assert c.get(reverse("plans:notice_attachment", args=[999999])).status_code == 404
