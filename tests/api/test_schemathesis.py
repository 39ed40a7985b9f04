"""D-32: a schemathesis run against the OpenAPI description served by the app finds no 5xx.

The schema is loaded from /api/v1/openapi.json through Django's WSGI handler (with a valid key:
the description is not public). Each operation is called with the key of the role that may use
it, so the generated requests get past the role check into validation, scope checks and the
services. Bounded (few examples per operation) so it stays well under a minute.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from certification.api.api import api
from tests.factories import PersonFactory

# The key used per operation: the role allowed to call it (others would stop at 403).
KEY_FOR_PATH = {
    "/api/v1/employments": "inst",
    "/api/v1/hour-entries": "base",
    "/api/v1/certificates": "base",
    "/api/v1/subsidy-applications": "hr",
}


def _key_name(path: str) -> str:
    return next((k for prefix, k in KEY_FOR_PATH.items() if path.startswith(prefix)), "reg")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler runs inside the test transaction: like the test client, keep the
    request signals from closing the connection that holds the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _people(cast, regions):
    PersonFactory.create_batch(3, region=regions.wuhua)  # ids for generated person_id values


# The description the app serves (tests/api/test_api.py checks it is the one at
# /api/v1/openapi.json behind a key); requests go through Django's WSGI handler.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case, keys):
    secret = keys[_key_name(case.operation.path)][1]
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
