"""A URL that fails, for the 500 page tests (the project's urls plus one broken view)."""

from django.urls import path

from zichuan_heating.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom), *project_urls]
handler400 = "zichuan_heating.security.bad_request"
handler500 = "zichuan_heating.security.server_error"
