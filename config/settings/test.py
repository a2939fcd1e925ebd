"""Tests: SQLite in memory unless DATABASE_URL points at PostgreSQL."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# Celery reads CELERY_BROKER_URL from the environment before its settings (CI exports the
# real Redis for the services); tests run tasks eagerly and choose their broker themselves.
os.environ.pop("CELERY_BROKER_URL", None)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests

# Uploads made by tests go to a throw-away folder, never into the working tree.
import tempfile  # noqa: E402

PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="sctj-test-media-")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
