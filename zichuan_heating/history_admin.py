"""The admin's history page for models kept with simple_history, safe for any URL."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history filters by the raw URL id: `/admin/…/abc/history/` was a 500, now 404."""

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as exc:
            raise Http404 from exc
        return super().history_view(request, object_id, extra_context)
