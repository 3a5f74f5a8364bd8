"""Emergency plans and drill reports: the attachment goes through `zichuan_heating.uploads`; a
hostile or broken file is refused with a Chinese message naming it, and nothing is stored."""

import datetime

import pytest
from django.urls import reverse

from tests.acceptance.files import jpeg_bytes, pdf_bytes, upload
from tests.security.hostile import files_in
from visits.models import Drill, EmergencyPlan

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("预案.pdf", b"<html><script>alert(1)</script></html>", "不是 JPEG、PNG 照片或 PDF 扫描件"),
    ("预案.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "不是 JPEG、PNG 照片或 PDF 扫描件"),
    ("预案.pdf", b"PK\x03\x04" + b"\x00" * 64, "不是 JPEG、PNG 照片或 PDF 扫描件"),
    ("预案.pdf", b"", "是空文件"),
]


def plan_post(client, name, content):
    return client.post(
        reverse("visits:safety:plan_new"),
        {
            "title": "洪山镇冬季清洁取暖安全生产应急预案",
            "issued_on": "2021-10-15",
            "document": upload(name, content),
        },
    )


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE)
def test_a_hostile_plan_document_is_refused_in_chinese_and_nothing_is_stored(
    client_for, official_a, media_root, name, content, message
):
    response = plan_post(client_for(official_a), name, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and f"附件“{name}”" in html
    assert not EmergencyPlan.objects.exists()
    assert not media_root.exists() or files_in(media_root) == []


def test_a_plan_needs_its_document(client_for, official_a):
    response = client_for(official_a).post(
        reverse("visits:safety:plan_new"), {"title": "应急预案", "issued_on": "2021-10-15"}
    )
    assert "请上传预案文件（JPEG、PNG 或 PDF）。" in response.content.decode()
    assert not EmergencyPlan.objects.exists()


def test_a_real_pdf_plan_is_stored_under_a_random_name_and_served_safely(
    client_for, official_a, official_b, district
):
    response = plan_post(client_for(official_a), "应急预案.pdf", pdf_bytes())
    assert response.status_code == 302
    plan = EmergencyPlan.objects.get()
    assert (plan.town, plan.kind, plan.original_name) == (official_a.town, "pdf", "应急预案.pdf")
    assert "应急预案" not in plan.file.name and plan.file.name.endswith(".pdf")
    assert plan.history.get().history_change_reason == "上传应急预案"
    url = reverse("visits:safety:plan_document", args=[plan.pk])
    for user in (official_a, district):
        served = client_for(user).get(url)
        assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert b"".join(served.streaming_content) == pdf_bytes()
    assert client_for(official_b).get(url).status_code == 404


def drill_data(report):
    return {
        "held_on": "2021-11-20",
        "subject": "燃气泄漏疏散与处置演练",
        "participants": "45",
        "participant_units": "镇应急办、东村村委、燃气公司抢修队",
        "with_fire_service": "on",
        "report": report,
    }


def test_a_drill_report_disguised_as_a_photo_is_refused(client_for, official_a):
    html_as_jpeg = upload("演练照片.jpg", b"<svg onload=alert(1)>", "image/jpeg")
    response = client_for(official_a).post(
        reverse("visits:safety:drill_new"), drill_data(html_as_jpeg)
    )
    assert "附件“演练照片.jpg”不是 JPEG、PNG 照片或 PDF 扫描件。" in response.content.decode()
    assert not Drill.objects.exists()


def test_a_drill_with_a_photo_report_is_recorded(client_for, official_a):
    response = client_for(official_a).post(
        reverse("visits:safety:drill_new"), drill_data(upload("演练照片.jpg", jpeg_bytes()))
    )
    assert response.status_code == 302
    drill = Drill.objects.get()
    assert drill.held_on == datetime.date(2021, 11, 20)
    assert (drill.participants, drill.with_fire_service, drill.kind) == (45, True, "jpeg")
    assert drill.participant_units == "镇应急办、东村村委、燃气公司抢修队"
    assert drill.recorded_by == official_a and drill.town == official_a.town
    page = client_for(official_a).get(reverse("visits:safety:emergency")).content.decode()
    assert "燃气泄漏疏散与处置演练" in page
