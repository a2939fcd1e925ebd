"""Settings for the deadline burst: production settings, served over plain HTTP on loopback.

Everything production sets stays (DEBUG off, manifest static storage, security headers,
whatever the production module adds later), except what cannot work without TLS on
127.0.0.1: the HTTPS redirect, HSTS and the Secure flag on the session and CSRF cookies
(a client does not send Secure cookies over http://). Mail is kept in memory and Celery
runs eagerly, so the burst needs no broker. bench/burst.py sets DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL, STATIC_ROOT and PRIVATE_MEDIA_ROOT in the environment.
"""

import os

from config.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
# Celery reads CELERY_BROKER_URL from the environment before its settings.
os.environ.pop("CELERY_BROKER_URL", None)
