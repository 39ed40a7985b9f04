"""Fixtures shared by the certificate tests."""

import pytest

from tests.certification.builders import accredited_course


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run after-commit work (PDF rendering, batch task) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def course(orgs):
    return accredited_course(orgs.base)
