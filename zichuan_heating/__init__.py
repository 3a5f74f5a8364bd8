"""zichuan-heating: the Zichuan District clean-heating retrofit programme system."""

# Importing the Celery app here makes shared jobs bind to it and its timezone apply to beat.
from zichuan_heating.celery import app as celery_app

__all__ = ("celery_app",)
