"""View decorators: login first (redirect), then a permission (403)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*perms: str) -> Callable:
    """Anonymous users are sent to the login page; a logged-in user lacking any perm gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if perms and not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
