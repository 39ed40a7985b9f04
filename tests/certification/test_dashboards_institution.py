"""Institution dashboard: roster sorted by who needs attention first, own institution only."""

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from certification.models import AuditEvent, CycleStatus
from tests.certification.test_dashboards import summary
from tests.factories import PersonFactory


def test_roster_lists_lapsed_then_behind_nearest_end_first(client, cast, orgs):
    today = dt.date.today()
    met = summary(
        PersonFactory(name="甲达标"),
        institution=orgs.institution,
        status=CycleStatus.MET,
        start=today,
        end=today + dt.timedelta(days=30),
    )
    behind_late = summary(
        PersonFactory(name="乙落后晚"),
        institution=orgs.institution,
        status=CycleStatus.BEHIND,
        start=today,
        end=today + dt.timedelta(days=300),
    )
    behind_soon = summary(
        PersonFactory(name="丙落后早"),
        institution=orgs.institution,
        status=CycleStatus.BEHIND,
        start=today,
        end=today + dt.timedelta(days=20),
    )
    lapsed = summary(
        PersonFactory(name="丁过期"),
        institution=orgs.institution,
        status=CycleStatus.LAPSED,
        start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31),
    )
    summary(
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
    s = summary(PersonFactory(name="甲"), institution=orgs.institution, status=CycleStatus.BEHIND)
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
