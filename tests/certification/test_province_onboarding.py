"""Issue 15: a province is onboarded through its own pages — region administrators, organisations
with valid credit codes, accreditations, invited staff whose sensitive grants a second
administrator approves — and every administrator stays inside their region."""

import datetime as dt
import logging
import re
from io import BytesIO

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from certification.idnumbers import uscc_check_char
from certification.models import (
    Accreditation,
    AuditEvent,
    Organisation,
    RoleGrant,
    StaffMembership,
    StaffRole,
)
from certification.services.certificates import CertificateRefused, certificate_issue_training
from tests.certification.builders import accredited_course, earn, make_course
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db

PASSWORD = "Tuoyu-Onboard-2026!"


def credit_code(seed: str) -> str:
    first17 = f"12530100MB{seed:0>7}"[:17]
    return first17 + uscc_check_char(first17)


@pytest.fixture
def admins(regions):
    def admin(email, role=StaffRole.SYSADMIN, region=None):
        user = UserFactory(email=email, display_name=email.split("@")[0])
        membership(user, role, region_obj=region)
        return user

    return type(
        "Admins",
        (),
        {
            "sys1": admin("sys1@example.test"),
            "sys2": admin("sys2@example.test"),
            "yn1": admin("yn1@example.test", StaffRole.REGION_ADMIN, regions.yunnan),
            "yn2": admin("yn2@example.test", StaffRole.REGION_ADMIN, regions.yunnan),
            "gs": admin("gs@example.test", StaffRole.REGION_ADMIN, regions.gansu),
        },
    )


def invitation_link() -> str:
    match = re.search(r"https?://\S+/invite/(\S+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return reverse("certification:invitation_accept", args=[match.group(1)])


@pytest.fixture(autouse=True)
def committed(client, django_capture_on_commit_callbacks, monkeypatch):
    """Each request's after-commit work (the invitation e-mail) runs as it would in production:
    the test database wraps the test in one transaction that never commits."""
    post = client.post

    def post_and_commit(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    monkeypatch.setattr(client, "post", post_and_commit)


def ask(client, actor, **fields):
    client.force_login(actor)
    return client.post(reverse("certification:grant_new"), fields)


def test_a_region_admin_grant_waits_for_a_second_admin_then_the_invitee_sets_a_password(
    client, admins, regions
):
    ask(
        client,
        admins.sys1,
        display_name="滇管理",
        email="new.admin@example.test",
        role=StaffRole.REGION_ADMIN,
        region=regions.yunnan.pk,
    )
    grant = RoleGrant.objects.get(email="new.admin@example.test")
    assert grant.status == RoleGrant.Status.PENDING_APPROVAL and not mail.outbox

    # the one who asked cannot approve (audited), the second administrator can
    own = client.post(
        reverse("certification:grant_decide", args=[grant.pk]), {"decision": "approve"}
    )
    assert own.status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", data__attempted="grant.approve_own"
    ).exists()
    client.force_login(admins.sys2)
    client.post(reverse("certification:grant_decide", args=[grant.pk]), {"decision": "approve"})
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.INVITED and grant.approved_by == admins.sys2
    assert mail.outbox[-1].to == ["new.admin@example.test"]

    client.logout()
    link = invitation_link()
    short = client.post(link, {"password1": "123", "password2": "123"})
    assert (
        short.status_code == 200
        and not StaffMembership.objects.filter(
            role="region_admin", user__email="new.admin@example.test"
        ).exists()
    )
    done = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    member = StaffMembership.objects.get(user__email="new.admin@example.test")
    assert (member.role, member.region, member.is_active) == ("region_admin", regions.yunnan, True)
    assert member.user.emailaddress_set.get().verified
    assert client.get(link).status_code == 404  # used once


def test_a_region_admin_registers_organisations_and_accreditations_in_their_region(
    client, admins, regions
):
    client.force_login(admins.yn1)
    bad = client.post(
        reverse("certification:organisation_new"),
        {
            "kind": "training_base",
            "name": "昆明市第三培训基地",
            "credit_code": credit_code("1")[:-1] + "0"
            if credit_code("1")[-1] != "0"
            else credit_code("1")[:-1] + "1",
            "region": regions.kunming.pk,
            "nature": "public",
            "filing_status": "not_filed",
        },
    )
    assert "校验位不正确" in bad.content.decode()
    assert not Organisation.objects.filter(name="昆明市第三培训基地").exists()

    client.post(
        reverse("certification:organisation_new"),
        {
            "kind": "training_base",
            "name": "昆明市第三培训基地",
            "credit_code": credit_code("1"),
            "region": regions.kunming.pk,
            "nature": "public",
            "filing_status": "not_filed",
        },
    )
    base = Organisation.objects.get(name="昆明市第三培训基地")
    course = make_course()
    client.post(
        reverse("certification:accreditation_new", args=[base.pk]),
        {
            "courses": [course.pk],
            "valid_from": "2026-01-01",
            "valid_to": "2028-12-31",
            "document_number": "滇卫〔2026〕1号",
        },
    )
    accreditation = Accreditation.objects.get(training_base=base)
    assert (
        list(accreditation.courses.all()) == [course.specific] or accreditation.courses.count() == 1
    )
    page = client.get(reverse("certification:organisation_edit", args=[base.pk])).content.decode()
    assert "滇卫〔2026〕1号" in page

    # another province's administrator sees nothing of it and cannot register in Yunnan
    client.force_login(admins.gs)
    assert client.get(reverse("certification:organisation_edit", args=[base.pk])).status_code == 404
    assert (
        "昆明市第三培训基地"
        not in client.get(reverse("certification:organisation_list")).content.decode()
    )
    denied = client.post(
        reverse("certification:organisation_new"),
        {
            "kind": "institution",
            "name": "越权托育园",
            "credit_code": credit_code("2"),
            "region": regions.kunming.pk,
            "nature": "public",
            "filing_status": "not_filed",
        },
    )
    assert denied.status_code == 200  # Kunming is not among the choices offered
    assert not Organisation.objects.filter(name="越权托育园").exists()


def test_organisation_grants_are_sent_at_once_and_hr_grants_need_the_other_region_admin(
    client, admins, regions, orgs
):
    ask(
        client,
        admins.yn1,
        display_name="园长助理",
        email="inst.new@example.test",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    assert RoleGrant.objects.get(email="inst.new@example.test").status == RoleGrant.Status.INVITED
    assert mail.outbox[-1].to == ["inst.new@example.test"]

    ask(
        client,
        admins.yn1,
        display_name="人社审核",
        email="hr.new@example.test",
        role=StaffRole.HR_REVIEWER,
        region=regions.kunming.pk,
    )
    hr = RoleGrant.objects.get(email="hr.new@example.test")
    assert hr.status == RoleGrant.Status.PENDING_APPROVAL
    list_page = client.get(reverse("certification:grant_list")).content.decode()
    assert "等待另一位管理员复核" in list_page

    client.force_login(admins.gs)  # Gansu's administrator: not theirs to approve
    assert (
        client.post(
            reverse("certification:grant_decide", args=[hr.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    client.force_login(admins.yn2)
    client.post(reverse("certification:grant_decide", args=[hr.pk]), {"decision": "approve"})
    hr.refresh_from_db()
    assert hr.status == RoleGrant.Status.INVITED and hr.approved_by == admins.yn2


def test_nobody_grants_outside_their_region_or_a_role_for_the_wrong_kind_of_organisation(
    client, admins, regions, orgs
):
    response = ask(
        client,
        admins.yn1,
        display_name="越权",
        email="x@example.test",
        role=StaffRole.REGULATOR,
        region=regions.lanzhou.pk,
    )
    assert (
        response.status_code == 200
        and not RoleGrant.objects.filter(email="x@example.test").exists()
    )
    # a base role on an institution is refused by the access rule (audited)
    response = ask(
        client,
        admins.yn1,
        display_name="错配",
        email="y@example.test",
        role=StaffRole.BASE_STAFF,
        organisation=orgs.institution.pk,
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", data__attempted="grant.request"
    ).exists()


def test_a_revoked_grant_ends_the_role_at_once(client, admins, orgs):
    ask(
        client,
        admins.yn1,
        display_name="园长助理",
        email="inst.new@example.test",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    link = invitation_link()
    client.logout()
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    grant = RoleGrant.objects.get(email="inst.new@example.test")
    assert grant.membership.is_active

    client.force_login(admins.yn2)
    client.post(reverse("certification:grant_revoke", args=[grant.pk]))
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.REVOKED and not grant.membership.is_active


def test_a_suspended_base_cannot_issue(client, admins, cast, orgs):
    course = accredited_course(orgs.base)
    earn(cast.worker, course, orgs.base)
    client.force_login(admins.yn1)
    client.post(
        reverse("certification:organisation_status", args=[orgs.base.pk]),
        {"status": "suspended", "reason": "年检未通过"},
    )
    orgs.base.refresh_from_db()
    assert orgs.base.status == Organisation.Status.SUSPENDED
    with pytest.raises(CertificateRefused) as refused:
        certificate_issue_training(
            actor=cast.base_staff,
            person=cast.worker,
            course=course,
            training_base=orgs.base,
            issue_date=dt.date.today(),
        )
    assert "暂停或撤销" in " ".join(refused.value.reasons)


def test_an_audit_reader_sees_the_audit_log_of_their_region_and_nothing_else(client, regions):
    reader = UserFactory(email="audit@example.test")
    membership(reader, StaffRole.AUDIT_READER, region_obj=regions.yunnan)
    client.force_login(reader)
    assert client.get(reverse("certification:audit_log")).status_code == 200
    for name in ("organisation_list", "grant_list", "ban_list", "regulator_dashboard"):
        assert client.get(reverse(f"certification:{name}")).status_code == 403, name


def test_a_region_admin_lists_filters_and_exports_who_holds_what_in_their_region_only(
    client, admins, regions, orgs
):
    ask(
        client,
        admins.yn1,
        display_name="园长助理",
        email="inst.new@example.test",
        phone="13912345678",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    ask(
        client,
        admins.yn1,
        display_name="人社审核",
        email="hr.new@example.test",
        role=StaffRole.HR_REVIEWER,
        region=regions.kunming.pk,
    )
    ask(
        client,
        admins.gs,
        display_name="甘肃人社",
        email="hr.gansu@example.test",
        role=StaffRole.HR_REVIEWER,
        region=regions.lanzhou.pk,
    )
    client.force_login(admins.yn1)
    url = reverse("certification:grant_list")

    listed = client.get(url).content.decode()
    assert "hr.new@example.test" in listed and "hr.gansu@example.test" not in listed
    filtered = client.get(url, {"role": StaffRole.HR_REVIEWER}).content.decode()
    assert "hr.new@example.test" in filtered and "inst.new@example.test" not in filtered
    assert "inst.new@example.test" in client.get(url, {"q": "园长"}).content.decode()

    export = client.get(url, {"format": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    emails = {r[1] for r in rows[1:]}
    assert rows[0][:4] == ("姓名", "邮箱", "手机号", "角色")
    assert emails == {"inst.new@example.test", "hr.new@example.test"}  # Gansu's not included
    assert "139****5678" in {r[2] for r in rows[1:]}  # the phone number is masked
    assert AuditEvent.objects.filter(action="grant.export", actor=admins.yn1).exists()


def test_an_invitation_by_mobile_number_goes_by_sms_and_the_invitee_chooses_a_login_email(
    client, admins, orgs, caplog
):
    caplog.set_level(logging.INFO, logger="carecert.sms")
    response = ask(
        client,
        admins.yn1,
        display_name="李园长",
        phone="139 0000 4321",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(phone="+8613900004321")
    assert grant.status == RoleGrant.Status.INVITED and grant.email == "" and not mail.outbox
    sms = caplog.records[-1].getMessage()
    assert "*******4321" in sms and "13900004321" not in sms  # the log masks the number
    token = re.search(r"/invite/(\S+)/", sms).group(1)
    assert "139****4321" in client.get(reverse("certification:grant_list")).content.decode()

    client.logout()
    link = reverse("certification:invitation_accept", args=[token])
    missing = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert (
        "登录邮箱" in missing.content.decode()
        and not grant.__class__.objects.get(pk=grant.pk).membership_id
    )
    client.post(
        link, {"email": "li.director@example.test", "password1": PASSWORD, "password2": PASSWORD}
    )

    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.ACCEPTED
    user = grant.membership.user
    assert (user.email, user.phone, user.phone_verified) == (
        "li.director@example.test",
        "+8613900004321",
        True,  # the link went to that phone
    )
    assert StaffMembership.objects.filter(
        user=user, role=StaffRole.INSTITUTION_ADMIN, organisation=orgs.institution
    ).exists()


def test_an_invitation_needs_an_email_or_a_valid_mainland_mobile(client, admins, orgs):
    neither = ask(
        client,
        admins.yn1,
        display_name="无联系方式",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    landline = ask(
        client,
        admins.yn1,
        display_name="座机",
        phone="087165551234",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    assert "邮箱或手机号" in neither.content.decode()
    assert "手机号" in landline.content.decode() and landline.status_code == 200
    assert not RoleGrant.objects.exists()


def test_a_signed_in_user_accepts_a_mobile_invitation_only_with_that_number(
    client, admins, orgs, caplog
):
    caplog.set_level(logging.INFO, logger="carecert.sms")
    ask(
        client,
        admins.yn1,
        display_name="王老师",
        phone="13900001111",
        role=StaffRole.INSTITUTION_ADMIN,
        organisation=orgs.institution.pk,
    )
    token = re.search(r"/invite/(\S+)/", caplog.records[-1].getMessage()).group(1)
    link = reverse("certification:invitation_accept", args=[token])
    stranger = UserFactory(email="stranger@example.test", phone="+8613900002222")
    client.force_login(stranger)
    assert client.post(link).status_code in (403, 404)
    owner = UserFactory(email="owner@example.test", phone="+8613900001111")
    client.force_login(owner)
    client.post(link)
    assert StaffMembership.objects.filter(user=owner, organisation=orgs.institution).exists()
    assert not StaffMembership.objects.filter(user=stranger).exists()
