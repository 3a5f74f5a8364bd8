"""The Celery application; it autodiscovers the `jobs` module of each app and of each package."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")

app = Celery("zichuan_heating")
app.config_from_object("django.conf:settings", namespace="CELERY")
#: Packages with a `jobs` module besides the apps themselves (the `tasks` app is split by
#: sub-domain, and autodiscovery looks only one level deep).
JOB_PACKAGES = ["tasks.ledger", "tasks.progress", "visits.safety"]

app.autodiscover_tasks(related_name="jobs")
app.autodiscover_tasks(JOB_PACKAGES, related_name="jobs")
