"""config.settings.local with CONN_HEALTH_CHECKS off: the control case of
test_postgres_restart.py, showing what the health check buys (test-side only)."""

from config.settings.local import *  # noqa: F403

DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
