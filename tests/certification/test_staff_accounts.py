"""Staff accounts page: system administrators see who holds which role and deactivate
accounts; the deactivated account's sessions end at once."""

import pytest
from django.test import Client
from django.urls import reverse

from certification.models import AuditEvent, StaffRole
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin():
    user = UserFactory(email="sys@example.test")
    membership(user, StaffRole.SYSADMIN)
    return user


def test_a_sysadmin_lists_staff_filtered_by_role(client, cast, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("certification:staff_list"), {"role": StaffRole.REGULATOR})
    body = response.content.decode()
    assert response.status_code == 200
    assert "reg@example.test" in body and "reg2@example.test" in body
    assert "hr@example.test" not in body


def test_deactivating_an_account_ends_its_sessions_and_is_audited(client, cast, sysadmin):
    victim = Client()
    victim.force_login(cast.hr_reviewer)
    assert victim.get(reverse("certification:staff_list")).status_code == 403  # not an admin
    client.force_login(sysadmin)

    response = client.post(
        reverse("certification:staff_deactivate", args=[cast.hr_reviewer.pk]), {"confirm": "yes"}
    )

    assert response.status_code == 302
    cast.hr_reviewer.refresh_from_db()
    assert not cast.hr_reviewer.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", actor=sysadmin).exists()
    assert victim.get(reverse("certification:person_list")).status_code == 302  # logged out


def test_without_the_confirmation_nothing_changes(client, cast, sysadmin):
    client.force_login(sysadmin)
    client.post(reverse("certification:staff_deactivate", args=[cast.hr_reviewer.pk]))
    cast.hr_reviewer.refresh_from_db()
    assert cast.hr_reviewer.is_active


@pytest.mark.parametrize("who", ["regulator", "hr_reviewer", "institution_admin", "worker_user"])
def test_other_roles_cannot_deactivate_anyone_and_the_refusal_is_audited(client, cast, who):
    actor = getattr(cast, who)
    client.force_login(actor)
    response = client.post(
        reverse("certification:staff_deactivate", args=[cast.base_staff.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 403
    cast.base_staff.refresh_from_db()
    assert cast.base_staff.is_active
    assert AuditEvent.objects.filter(action="access.denied", actor=actor).exists()


def test_an_admin_cannot_deactivate_their_own_account(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("certification:staff_deactivate", args=[sysadmin.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 403
    sysadmin.refresh_from_db()
    assert sysadmin.is_active
