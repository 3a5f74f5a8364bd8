"""An admin that shows records and changes none: for what only the services write."""


class ReadOnlyAdmin:
    """Mixed into a ModelAdmin or an inline (before it): nothing is added, changed or deleted
    in the admin, every change goes through the services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
