"""Read-side queries of the 建设任务 core: which programme is current."""

from django.http import Http404

from tasks.models import Programme


def active_programme() -> Programme | None:
    """The programme every page works on: the active one, else the first there is."""
    return Programme.objects.filter(is_active=True).first() or Programme.objects.first()


def active_programme_or_404() -> Programme:
    programme = active_programme()
    if programme is None:
        raise Http404
    return programme
