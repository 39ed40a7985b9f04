"""Issue 14: an employment changes state only through services/employment_states.py, each move
audited once, and a move its state does not allow changes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from certification.models import AuditEvent, Employment
from certification.services.employment_states import employment_end, employment_flag_banned
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db


def test_ending_twice_is_refused_the_second_time_and_audited_once(cast, orgs):
    employment = EmploymentFactory(institution=orgs.institution, start_date=dt.date(2025, 1, 1))
    stale = Employment.objects.get(pk=employment.pk)  # a second officer's page, loaded earlier

    employment_end(
        actor=cast.institution_admin, employment=employment, end_date=dt.date(2026, 6, 30)
    )
    with pytest.raises(ValidationError, match="已结束"):
        employment_end(actor=cast.institution_admin, employment=stale, end_date=dt.date(2026, 7, 1))

    stale.refresh_from_db()
    assert stale.end_date == dt.date(2026, 6, 30)
    assert (
        AuditEvent.objects.filter(action="employment.end", object_id=str(employment.pk)).count()
        == 1
    )


def test_an_end_before_the_start_is_refused(cast, orgs):
    employment = EmploymentFactory(institution=orgs.institution, start_date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="早于"):
        employment_end(
            actor=cast.institution_admin, employment=employment, end_date=dt.date(2026, 2, 1)
        )
    employment.refresh_from_db()
    assert employment.end_date is None


def test_a_flag_is_set_once_and_never_on_an_ended_employment(cast, orgs):
    active = EmploymentFactory(institution=orgs.institution)
    ended = EmploymentFactory(institution=orgs.institution, end_date=dt.date(2026, 1, 31))

    assert employment_flag_banned(actor=None, employment_id=active.pk, reason="禁入", why="ban")
    assert not employment_flag_banned(actor=None, employment_id=active.pk, reason="禁入", why="ban")
    assert not employment_flag_banned(actor=None, employment_id=ended.pk, reason="禁入", why="ban")

    ended.refresh_from_db()
    assert ended.flagged_for_termination_at is None
    assert AuditEvent.objects.filter(action="employment.flag").count() == 1
