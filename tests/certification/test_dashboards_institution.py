"""Institution dashboard: roster sorted by who needs attention first, own institution only."""

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import AuditEvent, CycleStatus, Employment
from tests.certification.test_dashboards import summary
from tests.factories import EmploymentFactory, PersonFactory


def employed(person, *, institution, **kw):
    """A cycle summary of someone the institution employs in that role."""
    EmploymentFactory(person=person, institution=institution, role=kw.get("role", "caregiver"))
    return summary(person, institution=institution, **kw)


def test_roster_lists_lapsed_then_behind_nearest_end_first(client, cast, orgs):
    today = dt.date.today()
    met = employed(
        PersonFactory(name="甲达标"),
        institution=orgs.institution,
        status=CycleStatus.MET,
        start=today,
        end=today + dt.timedelta(days=30),
    )
    behind_late = employed(
        PersonFactory(name="乙落后晚"),
        institution=orgs.institution,
        status=CycleStatus.BEHIND,
        start=today,
        end=today + dt.timedelta(days=300),
    )
    behind_soon = employed(
        PersonFactory(name="丙落后早"),
        institution=orgs.institution,
        status=CycleStatus.BEHIND,
        start=today,
        end=today + dt.timedelta(days=20),
    )
    lapsed = employed(
        PersonFactory(name="丁过期"),
        institution=orgs.institution,
        status=CycleStatus.LAPSED,
        start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31),
    )
    employed(
        PersonFactory(name="戊外机构"),
        institution=orgs.other_institution,
        status=CycleStatus.LAPSED,
    )
    client.force_login(cast.institution_admin)
    body = client.get(reverse("certification:institution_dashboard")).content.decode()
    names = [s.person.name for s in (lapsed, behind_soon, behind_late, met)]
    positions = [body.index(n) for n in names]
    assert positions == sorted(positions)
    assert "戊外机构" not in body


def test_roster_export_is_audited_and_holds_masked_ids(client, cast, orgs):
    s = employed(PersonFactory(name="甲"), institution=orgs.institution, status=CycleStatus.BEHIND)
    client.force_login(cast.institution_admin)
    response = client.get(reverse("certification:institution_dashboard"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content))["人员"].values)
    assert rows[1][0] == "甲" and rows[1][1] == s.person.id_masked
    assert AuditEvent.objects.filter(
        action="dashboard.export", actor=cast.institution_admin
    ).exists()


def test_another_institutions_admin_cannot_open_this_roster(client, cast, orgs):
    client.force_login(cast.other_institution_admin)
    response = client.get(
        reverse("certification:institution_dashboard"), {"org": orgs.institution.pk}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.other_institution_admin
    ).exists()


def test_every_employee_is_listed_even_with_no_hours_and_a_ban_flag_comes_first(client, cast, orgs):
    """Before: the roster listed only people with a cycle summary (2 of 5 employees)."""
    newcomers = [PersonFactory(name=f"新人{i}") for i in range(3)]
    for person in newcomers:
        EmploymentFactory(person=person, institution=orgs.institution)
    employed(PersonFactory(name="甲达标"), institution=orgs.institution, status=CycleStatus.MET)
    flagged = EmploymentFactory(person=PersonFactory(name="禁入者"), institution=orgs.institution)
    Employment.objects.filter(pk=flagged.pk).update(
        flagged_for_termination_at=timezone.now(), flag_reason="终身禁入"
    )
    client.force_login(cast.institution_admin)
    body = client.get(reverse("certification:institution_dashboard")).content.decode()

    for name in ["新人0", "新人1", "新人2", "王保育", "李园长", "甲达标"]:
        assert name in body
    assert body.index("禁入者") < body.index("新人0") < body.index("甲达标")
    assert "禁入，应解除任职" in body and "暂无学时记录" in body


def test_the_institution_ends_a_flagged_employment_in_one_step(client, cast, orgs):
    employment = Employment.objects.get(person=cast.worker, institution=orgs.institution)
    Employment.objects.filter(pk=employment.pk).update(flagged_for_termination_at=timezone.now())
    client.force_login(cast.institution_admin)

    response = client.post(
        reverse("certification:employment_end", args=[employment.pk]),
        {"end_date": timezone.localdate().isoformat()},
        follow=True,
    )

    employment.refresh_from_db()
    assert employment.end_date == timezone.localdate()
    assert "已为 王保育 办理离职" in response.content.decode()
    assert "王保育" not in response.content.decode().split("<tbody>", 1)[1]
    assert AuditEvent.objects.filter(action="employment.end", actor=cast.institution_admin).exists()


def test_another_institution_cannot_end_the_employment_and_is_audited(client, cast, orgs):
    employment = Employment.objects.get(person=cast.worker, institution=orgs.institution)
    client.force_login(cast.other_institution_admin)
    response = client.post(
        reverse("certification:employment_end", args=[employment.pk]),
        {"end_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    employment.refresh_from_db()
    assert employment.end_date is None
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.other_institution_admin
    ).exists()


def test_an_end_date_before_the_start_is_refused_with_a_message(client, cast, orgs):
    employment = Employment.objects.get(person=cast.worker, institution=orgs.institution)
    client.force_login(cast.institution_admin)
    response = client.post(
        reverse("certification:employment_end", args=[employment.pk]),
        {"end_date": "1990-01-01"},
        follow=True,
    )
    employment.refresh_from_db()
    assert employment.end_date is None
    assert "离职日期不能早于入职日期" in response.content.decode()
