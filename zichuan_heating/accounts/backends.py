"""The permission backend: Django's ModelBackend, with the user's role names and permissions
read in one query (`User.load_access`) instead of three on every request."""

from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccessBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and not user_obj.is_superuser
            and not hasattr(user_obj, "_perm_cache")
            and hasattr(user_obj, "load_access")
        ):
            user_obj.load_access()
        return super().get_all_permissions(user_obj, obj=obj)
