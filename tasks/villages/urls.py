"""URLs of the village pages (村（居）管理)."""

from django.urls import path

from tasks.villages import views

app_name = "villages"

urlpatterns = [
    path("villages/", views.village_list, name="list"),
    path("villages/new/", views.village_add, name="add"),
    path("villages/<int:pk>/", views.village_detail, name="detail"),
    path("villages/<int:pk>/rename/", views.village_rename, name="rename"),
    path("villages/<int:pk>/merge/", views.village_merge, name="merge"),
]
