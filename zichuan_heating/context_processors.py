"""Template context shared by every page: the user's role and what the header shows."""

from typing import Any


def role(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None}
    # One cheap indexed count per page for the header badge.
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"user_role": user.role, "unread_notifications": unread}
