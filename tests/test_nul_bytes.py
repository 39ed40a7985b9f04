"""Issue 14: a NUL byte anywhere in a request is refused with 400 and a clear message (it gave
HTTP 500 from PostgreSQL in a list filter); ordinary requests pass untouched."""

import pytest

pytestmark = pytest.mark.django_db

MESSAGE = "请求中含有不允许的字符（NUL）"


def test_a_nul_byte_in_a_page_filter_is_a_400_page_with_the_reason(client, cast):
    client.force_login(cast.regulator)
    resp = client.get("/audit/?action=auth%00login")
    assert resp.status_code == 400
    assert MESSAGE in resp.content.decode()


def test_a_nul_byte_in_a_form_field_is_refused_before_any_view_runs(client):
    resp = client.post("/accounts/login/", {"login": "a\x00@example.test", "password": "x"})
    assert resp.status_code == 400 and MESSAGE in resp.content.decode()


def test_a_nul_byte_in_an_api_query_answers_json(client):
    resp = client.get("/api/v1/certificates?search=%00")
    assert resp.status_code == 400
    assert resp.json()["code"] == "bad_request" and MESSAGE in resp.json()["message"]


def test_a_nul_byte_in_the_path_is_refused(client):
    assert client.get("/verify/AB%00CD/").status_code == 400


def test_ordinary_requests_are_untouched(client, cast):
    client.force_login(cast.regulator)
    assert client.get("/audit/?action=auth.login").status_code == 200
    assert client.get("/api/v1/certificates/verify/NOSUCHCODE").status_code == 401  # no key
