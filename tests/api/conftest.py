"""API keys of every role, one per organisation or region of the shared cast, and helpers."""

from types import SimpleNamespace

import pytest

from certification.api.auth import api_key_create
from certification.models import ApiKey


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def keys(cast, orgs, regions):
    """(key, secret) pairs: inst, other_inst, base, other_base, hr, other_hr, reg, other_reg."""

    def make(role, **scope):
        return api_key_create(actor=None, name=f"{role} key", role=role, **scope)

    return {
        "inst": make(ApiKey.Role.INSTITUTION, organisation=orgs.institution),
        "other_inst": make(ApiKey.Role.INSTITUTION, organisation=orgs.other_institution),
        "base": make(ApiKey.Role.TRAINING_BASE, organisation=orgs.base),
        "other_base": make(ApiKey.Role.TRAINING_BASE, organisation=orgs.other_base),
        "hr": make(ApiKey.Role.HR, region=regions.kunming),
        "other_hr": make(ApiKey.Role.HR, region=regions.lanzhou),
        "reg": make(ApiKey.Role.REGULATOR, region=regions.kunming),
        "other_reg": make(ApiKey.Role.REGULATOR, region=regions.lanzhou),
    }


@pytest.fixture
def api(client, keys):
    """api.get/post(key_name, path, body=None, **params) with that key's bearer header."""

    def get(name, path, **params):
        return client.get(f"/api/v1{path}", params, **bearer(keys[name][1]))

    def post(name, path, body=None):
        return client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", **bearer(keys[name][1])
        )

    return SimpleNamespace(get=get, post=post)
