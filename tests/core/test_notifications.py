"""The in-app notification list and the unread count in the header."""

from django.urls import reverse

from tests.access import battery
from zichuan_heating.models import Notification
from zichuan_heating.services import notification_send


def test_notification_pages_access_battery(cast):
    battery(reverse("notifications:list"), ok=[cast["official_a"], cast["district"]])
    battery(
        reverse("notifications:read_all"),
        ok=[cast["official_a"]],
        method="post",
        ok_status=302,
        wrong_method="get",
    )


def test_unread_count_shows_in_header_and_clears(client_for, official_a, official_b):
    notification_send(recipients=[official_a, official_a], title="实施方案已核准", url="/")
    notification_send(recipients=[official_b], title="别的镇的通知")
    client = client_for(official_a)
    html = client.get(reverse("progress:dashboard")).content.decode()
    assert 'id="unread-count"' in html
    assert ">1</span>" in html
    page = client.get(reverse("notifications:list")).content.decode()
    assert "实施方案已核准" in page
    assert "别的镇的通知" not in page
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=official_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=official_b, read_at__isnull=True).count() == 1
    assert 'id="unread-count"' not in client.get(reverse("progress:dashboard")).content.decode()
