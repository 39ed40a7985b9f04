"""The filter bar shared by the staff lists (certification/filters.py, includes/filters.html):
every list filters the same way, keeps its filters when paging and exporting, and answers a
bad value with a message next to the field instead of an error page (a NUL byte never gets
this far: the request is refused whole, tests/test_nul_bytes.py)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from certification.audit import audit_record
from certification.models import StaffRole
from tests.factories import OrganisationFactory, UserFactory, membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin():
    user = UserFactory(email="sys@example.test")
    membership(user, StaffRole.SYSADMIN)
    return user


def test_a_bad_filter_value_is_named_next_to_its_field_and_the_list_still_answers(
    client, cast, sysadmin
):
    client.force_login(sysadmin)
    for name, params in (
        ("staff_list", {"role": "emperor", "q": "reg"}),
        ("grant_list", {"status": "revoked-twice"}),
        ("organisation_list", {"kind": "castle"}),
        ("audit_log", {"since": "2026-13-45"}),
        ("person_list", {"q": "王" * 101}),  # longer than any name
    ):
        response = client.get(reverse(f"certification:{name}"), params)
        body = response.content.decode()
        assert response.status_code == 200, name
        assert 'class="error"' in body, name  # the bad value is named next to its field


def test_staff_filters_combine_and_the_clear_link_resets_them(client, cast, sysadmin):
    client.force_login(sysadmin)
    url = reverse("certification:staff_list")
    body = client.get(url, {"role": StaffRole.REGULATOR, "q": "reg2"}).content.decode()
    assert "reg2@example.test" in body and "reg@example.test<" not in body
    assert f'href="{url}"' in body  # 清除筛选


def test_the_audit_log_filters_by_action_and_date(client, cast, sysadmin):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)):
        audit_record(actor=sysadmin, action="probe.march", data={})
    with time_machine.travel(dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)):
        audit_record(actor=sysadmin, action="probe.may", data={})
    client.force_login(sysadmin)
    url = reverse("certification:audit_log")
    body = client.get(url, {"action": "probe.", "since": "2026-04-01"}).content.decode()
    assert "probe.may" in body and "probe.march" not in body
    body = client.get(url, {"action": "probe.", "until": "2026-04-01"}).content.decode()
    assert "probe.march" in body and "probe.may" not in body


def test_filters_survive_paging(client, cast, sysadmin, orgs):
    for i in range(55):
        OrganisationFactory(name=f"分页测试园{i:02d}", region=orgs.institution.region)
    client.force_login(sysadmin)
    url = reverse("certification:organisation_list")
    body = client.get(url, {"q": "分页测试园", "kind": "institution"}).content.decode()
    assert "第 1 / 2 页" in body
    assert "q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95%E5%9B%AD&amp;kind=institution&amp;page=2" in body
    second = client.get(url, {"q": "分页测试园", "kind": "institution", "page": 2})
    assert second.content.decode().count("分页测试园") == 5 + 1  # five rows and the search box


def test_the_grant_export_link_carries_the_filters(client, cast, sysadmin):
    client.force_login(sysadmin)
    body = client.get(
        reverse("certification:grant_list"), {"role": StaffRole.HR_REVIEWER, "page": 1}
    ).content.decode()
    assert "role=hr_reviewer&amp;format=xlsx" in body
