"""gunicorn's settings for scripts/stack: two workers on 127.0.0.1:$PORT, logs to stdout."""

import os

wsgi_app = "zichuan_heating.wsgi:application"
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, so that one slow spreadsheet download or upload does not hold a whole worker; the
# PDF reports are rendered by the Celery worker, not here.
worker_class = "gunicorn.workers.gthread.ThreadWorker"
threads = 4
timeout = 120
# Ctrl-C on scripts/stack: requests under way get this long to finish.
graceful_timeout = 10
accesslog = "-"
errorlog = "-"
# Behind a reverse proxy on the same machine (which sets X-Forwarded-Proto with DJANGO_SECURE=1).
forwarded_allow_ips = "127.0.0.1"


def post_worker_init(worker) -> None:
    """Each worker imports its views and compiles the templates before it accepts a request
    (`zichuan_heating.warmup`): the first page after a start is then no slower than the rest."""
    from zichuan_heating.warmup import warm_up

    templates, failed, ms = warm_up()
    worker.log.info("worker warmed up: %d templates in %.0f ms (%d failed)", templates, ms, failed)
