"""Settings for the benchmarks: the platform's own settings, served as in production.

DEBUG is off (templates cached, no query log kept by Django), Celery runs eagerly, mail is
kept in memory, and uploads go to a folder per benchmark database under bench/.media/, so
the benchmarks never touch the working tree's private_media/.
"""

import os
import warnings
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
# Celery reads CELERY_BROKER_URL from the environment before its settings.
os.environ.pop("CELERY_BROKER_URL", None)
# No collectstatic needed: static files are served from the source folders.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405

_database = Path(str(DATABASES["default"]["NAME"] or "default")).name.replace(":", "_")
PRIVATE_MEDIA_ROOT = BASE_DIR / "bench" / ".media" / _database
MEDIA_ROOT = PRIVATE_MEDIA_ROOT

# WhiteNoise warns that collectstatic has not run; the pages measured are not static files.
warnings.filterwarnings("ignore", message="No directory at")
# django-axes (login throttling) logs every force_login at INFO; the tables are the output.
AXES_VERBOSE = False
LOGGING["loggers"].update(  # noqa: F405
    {"axes": {"level": "WARNING"}, "celery": {"level": "WARNING"}}
)
