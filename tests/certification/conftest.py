"""Fixtures shared by the certificate tests."""

import pytest

from tests.certification.builders import make_course
from tests.factories import AccreditationFactory


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run after-commit work (PDF rendering, batch task) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def course(orgs):
    c = make_course()
    AccreditationFactory(training_base=orgs.base).courses.add(c)
    return c
