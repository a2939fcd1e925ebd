"""Browser tests: Playwright (sync API) driving Debian's chromium against live_server.

Playwright's own browser download does not work here, so we launch the `chromium`
binary that Debian's package puts on PATH. Without it the tests are skipped locally
and fail in CI (where the CI environment variable is set).
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the test still uses the ORM.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )


@pytest.fixture(scope="session")
def browser(django_db_setup):
    # Once Playwright runs, the tests get a new connection wrapper (asgiref's Local sees
    # another context) without the copy of the migrated data that serialized_rollback
    # restores. Keep that copy on the wrapper class, so every wrapper finds it.
    from django.db import connections

    wrapper = connections["default"]
    contents = getattr(wrapper, "_test_serialized_contents", None)
    if contents is not None:
        type(wrapper)._test_serialized_contents = contents
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the browser tests")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    """Every browser test runs on live_server's transactional database. Keep the rows the
    data migrations made (indicators, expertise areas) for all of them: a single test
    without serialized rollback would flush them and let post_migrate recreate the content
    types under new ids, which the next serialized test could then no longer load."""
