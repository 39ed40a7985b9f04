import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium missing at /usr/bin/chromium (make installs it)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The learners this journey stands for browse in Chinese; Playwright's default en-US would
    # switch the site to its English translation.
    return {**browser_context_args, "locale": "zh-CN"}
