"""Template context shared by every page: the user's role and what the header shows."""

from typing import Any


def role(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": None}
    return {"user_role": user.role}
