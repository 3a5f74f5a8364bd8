"""The admin's history pages for models kept with simple_history, safe for any URL."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history filters by the raw URL ids: `/admin/…/abc/history/` (or `…/history/abc/`)
    was a 500; an id the key field cannot hold is a 404."""

    def _check_ids(self, object_id: str, version_id: str | None = None) -> None:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                self.model.history.model._meta.pk.to_python(unquote(version_id))
        except ValidationError as exc:
            raise Http404 from exc

    def history_view(self, request, object_id, extra_context=None):
        self._check_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
