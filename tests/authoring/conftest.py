from tests.browser.conftest import browser_type_launch_args, screenshot  # noqa: F401 - Debian's Chromium
