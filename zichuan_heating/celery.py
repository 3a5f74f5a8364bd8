"""The Celery application; it autodiscovers each app's `jobs` module."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")

app = Celery("zichuan_heating")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
