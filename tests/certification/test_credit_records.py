"""D-38 credit file (诚信档案): append-only records, written in the same transaction as a ban or
a revocation for fraud, entered by regulators and HR, a public summary without personal data,
and the export for the provincial credit platform."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import (
    ApplicationStatus,
    AuditEvent,
    BanEntry,
    Certificate,
    CreditRecord,
    Organisation,
)
from certification.services import certificates as certificate_services
from certification.services import subsidies as svc
from certification.services.ban_register import ban_annul, ban_create
from certification.services.certificates import certificate_revoke
from certification.services.credit import FraudFinding
from cms.demo import demo_steps
from tests.certification.test_subsidies import approved
from tests.factories import (
    CertificateFactory,
    CreditRecordFactory,
    PersonFactory,
    new_id_number,
)

K = CreditRecord.Kind


def _ban(cast, regions, number, name="钱某"):
    return ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name=name,
        region=regions.kunming,
        ban_type="lifetime",
        reason_category="abuse",
        decision_number="（2026）云01刑初88号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
    )


def _fraud(kind=K.CERTIFICATE_FRAUD):
    return FraudFinding(
        kind=kind,
        decision_number="昆卫监〔2026〕12号",
        authority="昆明市卫生健康委员会",
        decision_date=dt.date(2026, 11, 30),
    )


def _xlsx_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


# --- append-only ---------------------------------------------------------------------------


def test_the_database_refuses_to_update_or_delete_a_record(orgs):
    record = CreditRecordFactory(organisation=orgs.institution)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certification_creditrecord SET decision_number = 'x' WHERE id = %s", [record.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM certification_creditrecord WHERE id = %s", [record.pk])
    with pytest.raises(PermissionError):
        CreditRecord.objects.filter(pk=record.pk).update(decision_number="x")
    with pytest.raises(PermissionError):
        record.delete()
    record.refresh_from_db()
    assert record.decision_number.startswith("卫表")


def test_a_record_names_exactly_one_subject(orgs, cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.create(
            subject_kind="organisation",
            organisation=orgs.institution,
            person_index=cast.worker.id_index,
            kind=K.OTHER_VIOLATION,
            decision_number="X-1",
            authority="卫健委",
            decision_date=dt.date(2026, 1, 1),
            region=orgs.institution.region,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.create(
            subject_kind="person",
            kind=K.OTHER_VIOLATION,
            decision_number="X-2",
            authority="卫健委",
            decision_date=dt.date(2026, 1, 1),
            region=orgs.institution.region,
        )


# --- automatic records ---------------------------------------------------------------------


def test_a_ban_records_a_finding_against_the_person_it_names(cast, regions):
    number = new_id_number()
    person = PersonFactory(name="钱某", id_number=number, region=regions.wuhua)
    entry = _ban(cast, regions, number)
    record = CreditRecord.objects.get(ban=entry)
    assert (record.kind, record.subject_kind, record.person) == (K.BAN, "person", person)
    assert record.decision_number == "（2026）云01刑初88号"
    assert record.authority == "昆明市中级人民法院"
    assert record.decision_date == dt.date(2026, 1, 1)
    assert record.person_id_masked == entry.id_masked
    assert AuditEvent.objects.filter(action="credit.create", object_id=str(record.pk)).exists()


def test_a_ban_on_someone_not_registered_still_has_its_record(cast, regions):
    entry = _ban(cast, regions, new_id_number())
    record = CreditRecord.objects.get(ban=entry)
    assert record.person is None and record.person_index == entry.id_index


def test_a_failing_ban_cascade_leaves_neither_ban_nor_record(cast, regions, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("cascade failed")

    monkeypatch.setattr("certification.services.ban_register.ban_cascade", broken)
    with pytest.raises(RuntimeError):
        _ban(cast, regions, new_id_number())
    assert not BanEntry.objects.exists()
    assert not CreditRecord.objects.exists()


def test_annulling_a_ban_annuls_its_record_by_a_new_one(cast, regions):
    entry = _ban(cast, regions, new_id_number())
    ban_annul(actor=cast.regulator, entry=entry, decision_number="再审〔2026〕3号", reason="改判")
    original = CreditRecord.objects.get(ban=entry, annuls__isnull=True)
    correction = CreditRecord.objects.get(annuls=original)
    assert correction.decision_number == "再审〔2026〕3号"
    assert original.decision_number == "（2026）云01刑初88号"  # unchanged


def test_a_fraud_revocation_through_the_page_records_the_holder(client, cast, orgs):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)
    client.force_login(cast.regulator)
    page = client.get(reverse("certification:certificate_revoke", args=[cert.pk]))
    assert "证书造假" in page.content.decode()
    resp = client.post(
        reverse("certification:certificate_revoke", args=[cert.pk]),
        {
            "reason": "伪造培训记录",
            "reason_kind": K.CERTIFICATE_FRAUD,
            "decision_number": "昆卫监〔2026〕12号",
            "authority": "昆明市卫生健康委员会",
            "decision_date": "2026-11-30",
        },
    )
    assert resp.status_code == 302
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    record = CreditRecord.objects.get(certificate=cert)
    assert (record.kind, record.person) == (K.CERTIFICATE_FRAUD, cast.worker)
    assert record.decision_date == dt.date(2026, 11, 30)
    assert record.region == cast.worker.region


def test_false_training_records_the_holder_and_the_issuing_base(cast, orgs):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)
    certificate_revoke(
        actor=cast.base_staff, certificate=cert, reason="未实际参训", fraud=_fraud(K.FALSE_TRAINING)
    )
    records = CreditRecord.objects.filter(certificate=cert)
    assert {(r.subject_kind, r.organisation_id) for r in records} == {
        ("person", None),
        ("organisation", orgs.base.pk),
    }
    assert all(r.kind == K.FALSE_TRAINING for r in records)


def test_a_fraud_revocation_that_fails_leaves_no_record(cast, orgs, monkeypatch):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)

    def broken(certificate):
        raise RuntimeError("status list unavailable")

    monkeypatch.setattr(certificate_services, "status_list_revoke", broken)
    with pytest.raises(RuntimeError):
        certificate_revoke(actor=cast.regulator, certificate=cert, reason="造假", fraud=_fraud())
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    assert not CreditRecord.objects.exists()


def test_a_record_that_cannot_be_written_undoes_the_revocation(cast, monkeypatch):
    # No region for the holder nor an issuer: the record is refused, so is the revocation.
    cert = CertificateFactory(person=PersonFactory(region=None), issuer=None)
    monkeypatch.setattr(certificate_services, "can_revoke_certificate", lambda *a: True)
    with pytest.raises(ValidationError):
        certificate_revoke(actor=cast.regulator, certificate=cert, reason="造假", fraud=_fraud())
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    assert not AuditEvent.objects.filter(action="certificate.revoke").exists()


def test_a_fraud_revocation_needs_its_decision(client, cast, orgs):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)
    client.force_login(cast.regulator)
    resp = client.post(
        reverse("certification:certificate_revoke", args=[cert.pk]),
        {"reason": "造假", "reason_kind": K.CERTIFICATE_FRAUD},
    )
    assert resp.status_code == 200
    assert "因造假撤销须填写此项" in resp.content.decode()
    cert.refresh_from_db()
    assert cert.is_valid and not CreditRecord.objects.exists()


def test_an_ordinary_revocation_records_nothing(client, cast, orgs):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)
    client.force_login(cast.base_staff)
    client.post(reverse("certification:certificate_revoke", args=[cert.pk]), {"reason": "误发"})
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    assert not CreditRecord.objects.exists()


def _fraud_post(client, app, **overrides):
    data = {
        "action": "fraud",
        "decision_number": "昆人社查〔2026〕2号",
        "authority": "昆明市人力资源和社会保障局",
        "decision_date": "2026-12-01",
        "reason": "伪造缴费记录",
    }
    return client.post(
        reverse("certification:subsidy_review", args=[app.pk]), {**data, **overrides}
    )


def test_hr_revokes_a_subsidy_obtained_by_deception_and_the_applicant_is_recorded(client, cast):
    app = approved(cast)
    client.force_login(cast.hr_reviewer)
    page = client.get(reverse("certification:subsidy_review", args=[app.pk])).content.decode()
    assert "撤销补贴（骗取）" in page
    _fraud_post(client, app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    record = CreditRecord.objects.get(subsidy_application=app)
    assert (record.kind, record.person, record.region) == (K.SUBSIDY_FRAUD, cast.worker, app.region)
    assert record.decision_number == "昆人社查〔2026〕2号"


def test_a_paid_subsidy_obtained_by_deception_is_flagged_for_recovery(client, cast, regions):
    app = approved(cast)
    batch = svc.batch_create(
        actor=cast.hr_payment, region=regions.kunming, month=timezone.localdate()
    )
    svc.batch_add(actor=cast.hr_payment, batch=batch, application=app)
    svc.batch_mark_paid(actor=cast.hr_payment, batch_id=batch.pk, bank_reference="B-9")
    client.force_login(cast.hr_reviewer)
    _fraud_post(client, app)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.PAID and app.recovery_flagged_at is not None
    assert CreditRecord.objects.filter(subsidy_application=app, kind=K.SUBSIDY_FRAUD).exists()
    # Nothing left to stop: a second revocation is refused and records nothing more.
    _fraud_post(client, app, decision_number="另〔2026〕1号")
    assert CreditRecord.objects.filter(subsidy_application=app).count() == 1


def test_a_subsidy_fraud_without_its_decision_changes_nothing(client, cast):
    app = approved(cast)
    client.force_login(cast.hr_reviewer)
    _fraud_post(client, app, decision_number="")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert not CreditRecord.objects.exists()


# --- manual entry, list, access ------------------------------------------------------------


def _entry(**overrides):
    data = {
        "subject_kind": "organisation",
        "kind": K.COMMENDATION,
        "decision_number": "昆卫表〔2026〕5号",
        "authority": "昆明市卫生健康委员会",
        "decision_date": "2026-10-01",
        "summary": "示范托育机构",
    }
    return {**data, **overrides}


def test_a_regulator_records_a_commendation_and_it_is_audited(client, cast, orgs, regions):
    client.force_login(cast.regulator)
    resp = client.post(
        reverse("certification:credit_create"),
        _entry(organisation=orgs.institution.pk, region=regions.wuhua.pk),
    )
    record = CreditRecord.objects.get()
    assert resp.url == reverse("certification:credit_detail", args=[record.pk])
    assert (record.organisation, record.kind, record.created_by) == (
        orgs.institution,
        K.COMMENDATION,
        cast.regulator,
    )
    event = AuditEvent.objects.get(action="credit.create", object_id=str(record.pk))
    assert event.actor == cast.regulator and event.region_path == regions.wuhua.path


def test_hr_records_a_finding_against_a_person_by_id_number(client, cast, regions):
    number = new_id_number()
    client.force_login(cast.hr_reviewer)
    client.post(
        reverse("certification:credit_create"),
        _entry(
            subject_kind="person",
            name="孙某",
            id_type="resident",
            id_number=number,
            kind=K.SUBSIDY_FRAUD,
            region=regions.kunming.pk,
        ),
    )
    record = CreditRecord.objects.get()
    assert record.person_name == "孙某" and number not in record.person_id_masked
    page = client.get(reverse("certification:credit_list")).content.decode()
    assert record.person_id_masked in page and number not in page


def test_a_keeper_cannot_record_against_an_organisation_outside_their_region(
    client, cast, orgs, regions
):
    client.force_login(cast.regulator)
    resp = client.post(
        reverse("certification:credit_create"),
        _entry(organisation=orgs.other_institution.pk, region=regions.kunming.pk),
    )
    assert resp.status_code == 200
    assert not CreditRecord.objects.exists()


def test_others_are_refused_and_the_refusal_is_audited(client, cast, orgs):
    record = CreditRecordFactory(organisation=orgs.institution, region=orgs.institution.region)
    client.force_login(cast.institution_admin)
    assert client.get(reverse("certification:credit_list")).status_code == 403
    assert client.get(reverse("certification:credit_create")).status_code == 403
    client.force_login(cast.other_regulator)
    assert client.get(reverse("certification:credit_detail", args=[record.pk])).status_code == 403
    client.force_login(cast.hr_payment)  # reads, never records
    assert client.get(reverse("certification:credit_list")).status_code == 200
    assert client.get(reverse("certification:credit_create")).status_code == 403
    attempted = list(
        AuditEvent.objects.filter(action="access.denied").values_list("data__attempted", flat=True)
    )
    assert attempted == ["credit.list", "credit.create", "credit.view", "credit.create"]


def test_the_list_filters_by_subject_kind_kind_and_date(client, cast, orgs, regions):
    CreditRecordFactory(
        organisation=orgs.institution, decision_number="早-1", decision_date=dt.date(2026, 2, 1)
    )
    CreditRecordFactory(
        organisation=orgs.base,
        decision_number="晚-1",
        kind=K.FALSE_TRAINING,
        decision_date=dt.date(2026, 9, 1),
    )
    _ban(cast, regions, new_id_number())
    client.force_login(cast.regulator)
    url = reverse("certification:credit_list")

    def shown(**params):
        page = client.get(url, params).content.decode()
        return {n for n in ("早-1", "晚-1", "云01刑初88号") if n in page}

    assert shown() == {"早-1", "晚-1", "云01刑初88号"}
    assert shown(subject_kind="person") == {"云01刑初88号"}
    assert shown(kind=K.FALSE_TRAINING) == {"晚-1"}
    assert shown(since="2026-03-01", subject_kind="organisation") == {"晚-1"}


def test_a_correction_annuls_the_record_and_both_remain(client, cast, orgs):
    record = CreditRecordFactory(organisation=orgs.institution, kind=K.OTHER_VIOLATION)
    client.force_login(cast.regulator)
    client.post(
        reverse("certification:credit_annul", args=[record.pk]),
        {
            "decision_number": "更〔2026〕1号",
            "authority": "昆明市卫生健康委员会",
            "decision_date": "2026-12-01",
            "summary": "复议撤销原决定",
        },
    )
    correction = CreditRecord.objects.get(annuls=record)
    assert correction.organisation == orgs.institution
    assert AuditEvent.objects.filter(action="credit.annul", object_id=str(correction.pk)).exists()
    assert CreditRecord.objects.count() == 2


# --- public summary ------------------------------------------------------------------------


def test_the_public_summary_shows_organisation_decisions_and_no_personal_data(client, cast, orgs):
    cert = CertificateFactory(person=cast.worker, issuer=orgs.base)
    certificate_revoke(
        actor=cast.base_staff, certificate=cert, reason="未实际参训", fraud=_fraud(K.FALSE_TRAINING)
    )
    CreditRecordFactory(organisation=orgs.base, decision_number="表〔2026〕9号")
    annulled = CreditRecordFactory(organisation=orgs.base, decision_number="错〔2026〕1号")
    CreditRecordFactory(organisation=orgs.base, annuls=annulled, decision_number="更〔2026〕2号")
    page = client.get(
        reverse("certification:credit_public_organisation", args=[orgs.base.credit_code])
    ).content.decode()
    assert "昆卫监〔2026〕12号" in page and "表〔2026〕9号" in page
    assert "错〔2026〕1号" not in page and "更〔2026〕2号" not in page
    for personal in (cast.worker.name, cast.worker.id_masked, "未实际参训"):
        assert personal not in page


def test_the_public_search_finds_an_organisation_by_name_or_code(client, orgs):
    search = reverse("certification:credit_public_search")
    summary = reverse("certification:credit_public_organisation", args=[orgs.base.credit_code])
    assert summary in client.get(search, {"q": "培训基地"}).content.decode()
    assert summary in client.get(search, {"q": orgs.base.credit_code.lower()}).content.decode()
    assert (
        client.get(reverse("certification:credit_public_organisation", args=["X"])).status_code
        == 404
    )


def test_the_verify_page_links_to_the_issuers_credit_summary(client, orgs):
    cert = CertificateFactory(issuer=orgs.base)
    page = client.get(reverse("certification:verify", args=[cert.verification_code]))
    assert (
        reverse("certification:credit_public_organisation", args=[orgs.base.credit_code])
        in page.content.decode()
    )


# --- export --------------------------------------------------------------------------------


def test_the_export_identifies_organisations_by_code_and_people_masked(client, cast, orgs, regions):
    number = new_id_number()
    PersonFactory(name="钱大宝", id_number=number, region=regions.wuhua)
    _ban(cast, regions, number, name="钱大宝")
    CreditRecordFactory(organisation=orgs.institution)
    client.force_login(cast.regulator)
    resp = client.get(reverse("certification:credit_list"), {"format": "xlsx"})
    rows = _xlsx_rows(resp.content)
    header, data = rows[0], rows[1:]
    assert header[2] == "统一社会信用代码"
    cells = {str(c) for row in data for c in row if c is not None}
    assert orgs.institution.credit_code in cells
    assert "钱*宝" in cells and "钱大宝" not in cells
    assert number not in "".join(cells)
    assert AuditEvent.objects.filter(action="credit.export", actor=cast.regulator).exists()


def test_hr_payment_may_not_export(client, cast):
    client.force_login(cast.hr_payment)
    assert client.get(reverse("certification:credit_list"), {"format": "xlsx"}).status_code == 403


def test_the_management_command_exports_a_region(tmp_path, cast, orgs, regions):
    CreditRecordFactory(organisation=orgs.institution)
    CreditRecordFactory(organisation=orgs.other_institution)  # 甘肃, not exported
    target = tmp_path / "credit.xlsx"
    call_command("export_credit_records", regions.yunnan.code, str(target))
    codes = {row[2] for row in _xlsx_rows(target.read_bytes())[1:]}
    assert codes == {orgs.institution.credit_code}


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_province_shows_credit_records(client, db):
    wanted = {"regions, organisations, people and accounts", "ban register", "credit records"}
    for step in demo_steps():
        if step.name in wanted:
            step.func(lambda _msg: None)
    assert CreditRecord.objects.filter(kind=K.BAN).exists()
    institution = Organisation.objects.get(name="昆明市五华区阳光托育园")
    page = client.get(
        reverse("certification:credit_public_organisation", args=[institution.credit_code])
    ).content.decode()
    assert "昆卫表〔2025〕12号" in page
