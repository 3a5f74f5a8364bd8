from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("towns/<slug:code>/", views.town_detail, name="town_detail"),
]

from .views import households  # noqa: E402

urlpatterns += [
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path(
        "households/<int:pk>/id-number/",
        households.household_id_number,
        name="household_id_number",
    ),
    path(
        "households/<int:pk>/status/<slug:action>/",
        households.household_action,
        name="household_action",
    ),
    path("households/<int:pk>/withdraw/", households.household_withdraw, name="household_withdraw"),
    path("households/<int:pk>/restore/", households.household_restore, name="household_restore"),
]
