"""A Celery worker whose PDF step first waits FAULTS_PDF_DELAY seconds.

Started by tests/faults/test_celery_worker.py so that a report is still being built when
the test kills the worker. The wait is patched in here, on the test side; the production
code has no hook for it. Run from the project root: `python -m tests.faults.slow_worker`.
"""

import os
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    from config.celery_app import app
    from kpis import reports

    delay = float(os.environ.get("FAULTS_PDF_DELAY", "0"))
    render_pdf = reports.render_pdf

    def slow_render_pdf(html: str) -> bytes:
        time.sleep(delay)
        return render_pdf(html)

    reports.render_pdf = slow_render_pdf  # the forked pool children inherit it
    app.worker_main(
        ["worker", "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    )


if __name__ == "__main__":
    main()
