"""URLs of the user page, password change and two-factor sign-in (namespace `accounts`)."""

from django.urls import path

from zichuan_heating.accounts import twofactor, views

app_name = "accounts"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/2fa-reset/", views.user_twofactor_reset, name="user_twofactor_reset"),
    path("password/", views.password_change, name="password_change"),
    path("password/done/", views.password_change_done, name="password_change_done"),
    path("2fa/setup/", twofactor.twofactor_setup, name="twofactor_setup"),
    path("2fa/verify/", twofactor.twofactor_verify, name="twofactor_verify"),
]
