"""Ban register pages: regulators only; institutions see no ban details (D-23)."""

import datetime as dt

from django.urls import reverse

from certification.models import AuditEvent, BanCheck, BanEntry, Employment
from certification.services.ban_register import ban_create
from tests.factories import CertificateFactory, EmploymentFactory, PersonFactory, new_id_number


def _ban(cast, regions, number):
    return ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name="某某",
        region=regions.kunming,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="（2026）云01刑初77号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
        reason_detail="殴打幼儿致伤",
    )


def test_regulator_sees_the_register_and_entry_details(client, cast, regions):
    entry = _ban(cast, regions, new_id_number())
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:ban_list")).content.decode()
    assert "某某" in page
    detail = client.get(reverse("certification:ban_detail", args=[entry.pk])).content.decode()
    assert "（2026）云01刑初77号" in detail


def test_institution_admin_and_other_regulator_are_denied_and_audited(client, cast, regions):
    entry = _ban(cast, regions, new_id_number())
    client.force_login(cast.institution_admin)
    assert client.get(reverse("certification:ban_list")).status_code == 403
    client.force_login(cast.other_regulator)
    assert client.get(reverse("certification:ban_detail", args=[entry.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


def test_regulator_creates_an_entry_through_the_form(client, cast, regions):
    client.force_login(cast.regulator)
    resp = client.post(
        reverse("certification:ban_create"),
        {
            "name": "钱某",
            "id_type": "resident",
            "id_number": new_id_number(),
            "region": regions.kunming.pk,
            "ban_type": "term",
            "reason_category": "violence",
            "decision_number": "D-1",
            "authority": "法院",
            "effective_date": "2026-01-01",
            "involvement": "offender",
        },
    )
    assert resp.status_code == 200  # term ban without dates is refused
    assert not BanEntry.objects.exists()


def test_hiring_check_shows_clear_or_blocked_without_ban_details(client, cast, regions, orgs):
    banned = new_id_number()
    _ban(cast, regions, banned)
    client.force_login(cast.institution_admin)
    url = reverse("certification:hiring_check")
    page = client.post(
        url, {"name": "某某", "id_type": "resident", "id_number": banned, "check": "1"}
    ).content.decode()
    assert "该人员不得从事托育服务，请联系卫生健康部门" in page
    for secret in ("虐待", "（2026）云01刑初77号", "殴打幼儿致伤", "昆明市中级人民法院"):
        assert secret not in page
    clear = client.post(
        url, {"name": "孙某", "id_type": "resident", "id_number": new_id_number(), "check": "1"}
    ).content.decode()
    assert "未发现禁止情形，可以办理入职" in clear
    checks = BanCheck.objects.filter(purpose="hiring", actor=cast.institution_admin)
    assert sorted(checks.values_list("result", flat=True)) == ["clear", "hit"]


def test_clear_hiring_check_leads_to_an_employment(client, cast, orgs):
    client.force_login(cast.institution_admin)
    number = new_id_number()
    resp = client.post(
        reverse("certification:hiring_check"),
        {
            "name": "周某",
            "id_type": "resident",
            "id_number": number,
            "employ": "1",
            "role": "caregiver",
            "start_date": "2026-03-01",
            "has_labour_contract": "on",
            "ui_contribution_months": "6",
        },
    )
    assert resp.status_code == 302
    assert Employment.objects.filter(person__name="周某", institution=orgs.institution).exists()


def test_hiring_check_is_denied_to_a_worker(client, cast):
    client.force_login(cast.worker_user)
    assert client.get(reverse("certification:hiring_check")).status_code == 403


def test_institution_cannot_see_ban_details_of_its_banned_employee(client, cast, regions, orgs):
    person = PersonFactory(id_number=(number := new_id_number()))
    Employment.objects.create(
        person=person,
        institution=orgs.institution,
        role="caregiver",
        start_date=dt.date(2024, 1, 1),
    )
    _ban(cast, regions, number)
    client.force_login(cast.institution_admin)
    page = client.get(reverse("certification:person_detail", args=[person.pk])).content.decode()
    assert "殴打幼儿致伤" not in page
    assert "（2026）云01刑初77号" not in page


def test_regulator_sees_hits_and_near_matches_as_alerts(client, cast, regions, orgs):
    from certification.services.bans import ban_check

    birth = dt.date(1988, 8, 8)
    entry = _ban(cast, regions, new_id_number(birth=birth))
    other = PersonFactory(id_number=new_id_number(birth=birth))
    ban_check(
        id_index=other.id_index,
        purpose="hiring",
        name="某某",
        birth_date=birth,
        organisation=orgs.institution,
    )
    ban_check(id_index=entry.id_index, purpose="hiring", organisation=orgs.institution)
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:ban_alerts")).content.decode()
    assert "疑似" in page and "命中" in page
    client.force_login(cast.other_regulator)
    assert "某某" not in client.get(reverse("certification:ban_alerts")).content.decode()
    client.force_login(cast.institution_admin)
    assert client.get(reverse("certification:ban_alerts")).status_code == 403


# --- Excel import: small files in the request, big ones through an import job ------------------
def _ban_xlsx(rows):
    import io

    from openpyxl import Workbook

    from certification.services.ban_register import IMPORT_COLUMNS

    wb = Workbook()
    wb.active.append(IMPORT_COLUMNS)
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "bans.xlsx"
    return buf


def _ban_row(number, decision="（2026）云01刑初9号"):
    return [
        "李四",
        "居民身份证",
        number,
        "终身禁入",
        None,
        None,
        "虐待",
        "",
        decision,
        "昆明市中级人民法院",
        "2026-01-01",
        "",
        "",
    ]


def _post_import(client, regions, rows, capture):
    with capture(execute=True):
        return client.post(
            reverse("certification:ban_import"),
            {"file": _ban_xlsx(rows), "region": regions.kunming.pk},
        )


def test_a_small_ban_file_is_still_imported_in_the_request(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    client.force_login(cast.regulator)
    resp = _post_import(
        client,
        regions,
        [_ban_row(new_id_number()) for _ in range(3)],
        django_capture_on_commit_callbacks,
    )
    assert resp["Location"] == reverse("certification:ban_list")
    assert BanEntry.objects.count() == 3 and not ImportJob.objects.exists()


def test_a_big_ban_file_goes_through_an_import_job_and_ends_done(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    client.force_login(cast.regulator)
    resp = _post_import(
        client,
        regions,
        [_ban_row(new_id_number()) for _ in range(250)],
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == reverse("certification:import_job_progress", args=[job.pk])
    status = client.get(reverse("certification:import_job_status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "total": 250,
        "processed": 250,
        "issued": 250,
        "percent": 100,
        "refusals": [],
    }
    assert BanEntry.objects.filter(region=regions.kunming).count() == 250
    job.refresh_from_db()
    assert (job.kind, job.region, job.requested_by) == ("bans", regions.kunming, cast.regulator)
    assert not job.upload  # the file with ID numbers is deleted once processed
    page = client.get(resp["Location"]).content.decode()
    assert "batch_progress.js" in page and "禁入登记" in page
    assert reverse("certification:ban_import") in page
    assert AuditEvent.objects.filter(action="ban.import_queued").exists()
    assert AuditEvent.objects.get(action="ban.import").data == {"count": 250}


def test_a_big_bad_ban_file_saves_nothing_and_the_job_page_lists_the_rows(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    rows = [_ban_row(new_id_number()) for _ in range(250)]
    rows[3][2] = rows[3][2][:-1] + ("0" if rows[3][2][-1] != "0" else "1")  # spreadsheet row 5
    rows[98] = _ban_row(new_id_number(), decision="")  # spreadsheet row 100
    client.force_login(cast.regulator)
    resp = _post_import(client, regions, rows, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.saved == 0 and not job.upload
    assert not BanEntry.objects.exists()
    page = client.get(resp["Location"]).content.decode()
    assert "第5行【证件号码】" in page and "第100行【决定文书号】：缺少决定文书号" in page
    status = client.get(reverse("certification:import_job_status", args=[job.pk])).json()
    assert [r["name"] for r in status["refusals"]] == ["第5行【证件号码】", "第100行【决定文书号】"]


def test_only_the_requester_sees_an_import_job_others_get_an_audited_404(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    client.force_login(cast.regulator)
    _post_import(
        client,
        regions,
        [_ban_row(new_id_number()) for _ in range(201)],
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    for user in (cast.other_regulator, cast.institution_admin):
        client.force_login(user)
        assert (
            client.get(reverse("certification:import_job_progress", args=[job.pk])).status_code
            == 404
        )
        assert (
            client.get(reverse("certification:import_job_status", args=[job.pk])).status_code == 404
        )
    denied = AuditEvent.objects.filter(action="access.denied")
    assert denied.count() == 4
    assert {e.data["attempted"] for e in denied} == {"import.view:bans"}
    client.force_login(cast.regulator)
    assert (
        client.get(reverse("certification:import_job_status", args=[job.pk])).json()["issued"]
        == 201
    )


def test_a_big_ban_file_for_a_region_outside_the_regulators_scope_is_refused(
    client, cast, regions, django_capture_on_commit_callbacks
):
    from certification.models import ImportJob

    client.force_login(cast.regulator)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("certification:ban_import"),
            {
                "file": _ban_xlsx([_ban_row(new_id_number()) for _ in range(201)]),
                "region": regions.lanzhou.pk,
            },
        )
    assert resp.status_code == 200 and "region" in resp.context["form"].errors
    assert not ImportJob.objects.exists() and not BanEntry.objects.exists()


def test_a_self_registered_worker_takes_the_region_of_the_institution_that_hires_them(
    client, cast, orgs
):
    # Issue 15: workers who registered themselves never got a region, so they had the national
    # daily cap and were counted in no region. Hiring gives them the workplace's region.
    number = new_id_number()
    person = PersonFactory(name="孙自注", id_number=number, region=None)
    client.force_login(cast.institution_admin)
    client.post(
        reverse("certification:hiring_check"),
        {
            "name": "孙自注",
            "id_type": "resident",
            "id_number": number,
            "employ": "1",
            "role": "caregiver",
            "start_date": "2026-03-01",
            "has_labour_contract": "on",
            "ui_contribution_months": "0",
        },
    )
    person.refresh_from_db()
    assert person.region == orgs.institution.region


def test_a_user_guessing_id_numbers_on_the_hiring_page_is_slowed_down(client, cast, settings):
    # Issue 13: ban checks by typed-in number were unlimited on the page.
    settings.PAGE_RATE_HIRING_CHECK = "2/min"
    client.force_login(cast.institution_admin)
    url = reverse("certification:hiring_check")

    def guess():
        return client.post(
            url, {"name": "猜测", "id_type": "resident", "id_number": new_id_number()}
        )

    assert [guess().status_code for _ in range(2)] == [200, 200]
    third = guess()
    assert third.status_code == 429 and "查询过于频繁" in third.content.decode()
    assert BanCheck.objects.filter(actor=cast.institution_admin).count() == 2
    assert AuditEvent.objects.filter(
        action="page.rate_limited", actor=cast.institution_admin
    ).exists()


def test_a_hit_in_another_province_alerts_both_the_checking_and_the_registering_region(
    client, cast, regions, orgs
):
    """Before: only the region that registered the ban heard of a hit elsewhere."""
    from certification.models import Notification
    from certification.services.ban_alerts import ban_alert_for_check
    from certification.services.bans import ban_check

    entry = _ban(cast, regions, new_id_number())
    ban_check(id_index=entry.id_index, purpose="hiring", organisation=orgs.other_institution)
    check = BanCheck.objects.latest("pk")  # the check wrote its alerts in its transaction
    ban_alert_for_check(check=check)  # a repeat for the same check alerts once
    notices = Notification.objects.filter(dedupe_key__startswith=f"ban-check:{check.pk}:regulator")
    assert sorted(n.recipient_region.path for n in notices if n.recipient_region) == sorted(
        [entry.region.path, orgs.other_institution.region.path]
    )
    client.force_login(cast.other_regulator)
    page = client.get(reverse("certification:ban_alerts")).content.decode()
    assert "禁入核查命中" in page


def test_registering_a_ban_previews_what_it_touches_and_saves_only_on_confirmation(
    client, cast, regions, orgs
):
    number = new_id_number()
    person = PersonFactory(id_number=number, name="周某")
    EmploymentFactory(person=person, institution=orgs.institution)
    CertificateFactory(person=person)
    fields = {
        "name": "周某",
        "id_type": "resident",
        "id_number": number,
        "region": regions.kunming.pk,
        "ban_type": "lifetime",
        "reason_category": "abuse",
        "decision_number": "D-9",
        "authority": "法院",
        "effective_date": "2026-01-01",
        "involvement": "offender",
    }
    client.force_login(cast.regulator)
    url = reverse("certification:ban_create")
    preview = client.post(url, fields).content.decode()
    assert 'data-testid="ban-preview"' in preview and not BanEntry.objects.exists()
    assert "撤销 1 张有效证书" in preview
    assert "标记 1 条在职任职为应解除：" + orgs.institution.name in preview
    shown = preview.split('data-testid="ban-preview"')[1].split("<form")[0]
    assert number not in shown and person.id_masked in shown  # only the masked number is shown
    # (the typed number rides back in a hidden field of the regulator's own no-store page)
    edit = client.post(url, {**fields, "edit": "1"}).content.decode()
    assert 'data-testid="ban-preview"' not in edit and 'value="D-9"' in edit
    confirmed = client.post(url, {**fields, "confirm": "1"})
    entry = BanEntry.objects.get()
    assert confirmed["Location"] == reverse("certification:ban_detail", args=[entry.pk])
    assert person.certificates.get().status == "revoked"


def test_a_hiring_check_has_a_printable_record_for_its_own_institution_only(
    client, cast, regions, orgs
):
    number = new_id_number()
    client.force_login(cast.institution_admin)
    page = client.post(
        reverse("certification:hiring_check"),
        {"name": "孙某", "id_type": "resident", "id_number": number, "check": "1"},
    ).content.decode()
    check = BanCheck.objects.latest("pk")
    record_url = reverse("certification:hiring_check_record", args=[check.pk])
    assert record_url in page
    record = client.get(record_url).content.decode()
    assert "孙某" in record and orgs.institution.name in record
    assert "未发现禁止情形，可以办理入职" in record
    assert number not in record and number[:6] + "********" + number[-4:] in record
    client.force_login(cast.other_institution_admin)
    assert client.get(record_url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=cast.other_institution_admin
    ).exists()
