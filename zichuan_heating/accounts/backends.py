"""The permission backend: Django's ModelBackend, with the user's role names and permissions
read in one query (`User.load_access`) instead of three on every request, and the user's town
(shown in every page's header, the scope of every list) read with the user."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccessBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        """The session's user and its town in one query (was two on every page of an official)."""
        users = get_user_model()._default_manager.select_related("town")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

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
