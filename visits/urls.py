"""URLs of visits, cases and safety checks, mounted under /visits/."""

app_name = "visits"

urlpatterns: list = []
