from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("towns/<slug:code>/", views.town_detail, name="town_detail"),
]
