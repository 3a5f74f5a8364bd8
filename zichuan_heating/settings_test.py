"""Settings for the test suite: the same as production, less https and slow hashing."""

import os

# The suite runs with DEBUG off like production, so it brings its own key (never used elsewhere).
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-zichuan-heating-" + "x" * 40)

from zichuan_heating.settings import *  # noqa: F403

# The suite logs in finance and administrator users without a phone; the 2FA tests turn it on.
ZH_REQUIRE_2FA = False

SECURE = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run in-process unless a test starts a real worker and switches the app over.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# On SQLite the test database is a file, so that a Celery worker started by a test (in another
# process) sees the same data; on PostgreSQL the worker gets the test database's name.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test_zichuan_{os.getpid()}.sqlite3")  # noqa: F405
    }
# WhiteNoise looks a static file up when it is asked for instead of listing every file of
# STATIC_ROOT when its middleware is made: the test client makes the middleware anew for each
# Client (1,128 times in 910 of the tests), and each listing took 21 ms (0.08 ms with this).
# The answers are the same; the stack test (tests/core/test_scripts.py) serves them as
# production does.
WHITENOISE_AUTOREFRESH = True
