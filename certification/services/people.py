"""Writes for people and employments (D-2, D-3, D-5)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certification import pii
from certification.audit import audit_record
from certification.idnumbers import IdNumberError, parse_id_number
from certification.models import (
    CheckPurpose,
    Employment,
    EventType,
    IdProcessingConsent,
    Organisation,
    Person,
    Region,
)
from certification.services.bans import ban_gate
from certification.services.compliance import compliance_on_employment_change
from certification.services.employment_states import employment_end, person_region_follow
from certification.services.outbox import outbox_emit

ID_CONSENT_VERSION = "2026-01"


def person_find_by_id_number(*, id_type: str, id_number: str) -> Person | None:
    """Look a person up by ID number through the blind index (no decryption)."""
    parsed = parse_id_number(id_type, id_number)
    return Person.objects.filter(
        id_type=parsed.id_type, id_index=pii.blind_index(parsed.number)
    ).first()


@transaction.atomic
def person_create(
    *,
    actor,
    id_type: str,
    id_number: str,
    name: str,
    phone: str = "",
    region: Region | None = None,
) -> Person:
    """Register a person. Raises ValidationError with a specific message for a bad ID (D-2) or
    a duplicate; nothing is saved in either case."""
    try:
        parsed = parse_id_number(id_type, id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名")})
    person = Person(
        name=name,
        phone=phone,
        region=region,
        birth_date=parsed.birth_date,
        gender=parsed.gender or "",
    )
    person.set_id_number(parsed.id_type, parsed.number)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        duplicate = ValidationError(_("该证件号码已登记"), code="duplicate")
        raise ValidationError({"id_number": duplicate}) from None
    audit_record(
        actor=actor,
        action="person.create",
        obj=person,
        data={"id_masked": person.id_masked},
        region_path=region.path if region else "",
    )
    outbox_emit(EventType.PERSON_REGISTERED, person)  # D-40, same transaction
    return person


def person_register(
    *,
    actor,
    id_type: str,
    id_number: str,
    name: str,
    phone: str = "",
    region: Region | None = None,
) -> Person:
    """Find or register the person an ID number and name name (hiring, the API, imports).

    A number registered before answers like a new registration when the name matches, so the
    answer does not tell "registered elsewhere" from "new" (issue 13); a different name is
    refused as on the hiring page. Reaching the person afterwards still needs a relationship
    (access.people, D-34): knowing an ID number grants nothing."""
    try:
        existing = person_find_by_id_number(id_type=id_type, id_number=id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    if existing is None:
        try:
            return person_create(
                actor=actor,
                id_type=id_type,
                id_number=id_number,
                name=name,
                phone=phone,
                region=region,
            )
        except ValidationError as exc:
            if not _is_duplicate(exc):
                raise
            # registered concurrently by someone else: answer as for an earlier registration
            existing = person_find_by_id_number(id_type=id_type, id_number=id_number)
    if existing.name != (name or "").strip():
        raise ValidationError(
            {"name": ValidationError(_("姓名与证件号码登记信息不一致。"), code="name_mismatch")}
        )
    audit_record(
        actor=actor,
        action="person.register_existing",
        obj=existing,
        data={"id_masked": existing.id_masked},
        region_path=region.path if region else "",
    )
    return existing


def _is_duplicate(exc: ValidationError) -> bool:
    errors = exc.error_dict.get("id_number", []) if hasattr(exc, "error_dict") else []
    return any(e.code == "duplicate" for e in errors)


@transaction.atomic
def person_reveal_id(*, actor, person: Person, purpose: str, ip: str | None = None) -> str:
    """D-3: the full ID number for an authorised user, audited. The caller checks access
    (certification.access.people.can_reveal_id) before calling."""
    audit_record(
        actor=actor,
        action="person.reveal_id",
        obj=person,
        data={"purpose": purpose},
        ip=ip,
        region_path=person.region.path if person.region_id else "",
    )
    return person.reveal_id_number()


@transaction.atomic
def id_consent_record(*, user, ip: str | None = None) -> IdProcessingConsent:
    """PIPL: the separate consent to process the user's ID number, recorded before a claim."""
    consent = IdProcessingConsent.objects.create(
        user=user, version=ID_CONSENT_VERSION, ip_address=ip
    )
    audit_record(
        actor=user,
        action="consent.id_processing",
        obj=consent,
        data={"version": ID_CONSENT_VERSION},
        ip=ip,
    )
    return consent


def has_id_consent(user) -> bool:
    return IdProcessingConsent.objects.filter(user=user, withdrawn_at__isnull=True).exists()


def person_claim(*, user, id_type: str, id_number: str, name: str, ip: str | None = None) -> Person:
    """A worker links their account to their person record (creating it if new).

    Requires recorded ID consent; runs the ban check (D-23 "account claiming a person record").
    Raises ValidationError (bad ID, name mismatch, record already claimed) or PersonBanned.
    """

    if not has_id_consent(user):
        raise ValidationError(_("请先同意身份证号码处理授权。"), code="no_consent")
    if getattr(user, "person", None) is not None:
        raise ValidationError(_("您的账号已关联人员档案。"), code="already_linked")
    try:
        parsed = parse_id_number(id_type, id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    index = pii.blind_index(parsed.number)
    ban_gate(
        id_index=index,
        purpose=CheckPurpose.CLAIM,
        actor=user,
        ip=ip,
        name=name,
        birth_date=parsed.birth_date,
    )
    with transaction.atomic():
        return _person_link(user=user, parsed=parsed, index=index, name=name, ip=ip)


def _person_link(*, user, parsed, index: str, name: str, ip: str | None) -> Person:
    person = (
        Person.objects.select_for_update().filter(id_type=parsed.id_type, id_index=index).first()
    )
    if person is None:
        person = person_create(
            actor=user, id_type=parsed.id_type, id_number=parsed.number, name=name
        )
    elif person.name != name.strip():
        # Do not confirm whose number it is; just refuse.
        raise ValidationError({"name": _("姓名与证件号码登记信息不一致。")}, code="name_mismatch")
    elif person.user_id is not None:
        raise ValidationError(
            {"id_number": _("该人员档案已被其他账号关联，请联系机构管理员。")}, code="claimed"
        )
    person.user = user
    person.save(update_fields=["user"])
    audit_record(actor=user, action="person.claim", obj=person, ip=ip)
    return person


def employment_create(
    *,
    actor,
    person: Person,
    institution: Organisation,
    role: str,
    start_date: dt.date,
    has_labour_contract: bool = True,
    ui_contribution_months: int = 0,
    ip: str | None = None,
) -> Employment:
    """D-5 hiring. Runs the hiring ban check (入职查询, D-23) first; raises PersonBanned."""

    if institution.kind != Organisation.Kind.INSTITUTION:
        raise ValidationError(_("只能在托育机构登记任职。"))
    ban_gate(
        id_index=person.id_index,
        purpose=CheckPurpose.HIRING,
        actor=actor,
        organisation=institution,
        ip=ip,
        name=person.name,
        birth_date=person.birth_date,
    )
    with transaction.atomic():
        return _employment_write(
            actor=actor,
            person=person,
            institution=institution,
            role=role,
            start_date=start_date,
            has_labour_contract=has_labour_contract,
            ui_contribution_months=ui_contribution_months,
            ip=ip,
        )


def _employment_write(
    *, actor, person, institution, role, start_date, has_labour_contract, ui_contribution_months, ip
) -> Employment:
    # The person's row lock serialises hires of one person, so a double submit or an API retry
    # finds the active employment (marked `replayed`) instead of creating a second one.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    active = Employment.objects.filter(
        person=person, institution=institution, role=role, end_date__isnull=True
    ).first()
    if active is not None:
        active.replayed = True
        return active
    employment = Employment.objects.create(
        person=person,
        institution=institution,
        role=role,
        start_date=start_date,
        has_labour_contract=has_labour_contract,
        ui_contribution_months=ui_contribution_months,
    )
    # A worker who registered themselves has no region until hired, and anyone's region follows
    # the newest workplace: its region decides their daily cap, policies, counts and subsidies.
    person_region = person_region_follow(person_id=person.pk)
    if person_region is not None:
        person.refresh_from_db(fields=["region"])
    audit_record(
        actor=actor,
        action="employment.create",
        obj=employment,
        data={
            "role": role,
            "start_date": start_date.isoformat(),
            "person_region": person_region,
        },
        region_path=institution.region.path,
        ip=ip,
    )
    outbox_emit(EventType.EMPLOYMENT_STARTED, employment)  # D-40, same transaction
    compliance_on_employment_change(person=person)
    return employment


def employment_transfer(
    *,
    actor,
    employment: Employment,
    institution: Organisation,
    role: str,
    start_date: dt.date,
    ip: str | None = None,
) -> Employment:
    """Move a person to another institution or role (调动, D-5): the old employment ends the
    day before `start_date` and the new one starts that day, with the same contract and
    insurance months, in one transaction. The move is a hire, so the hiring ban check runs
    first (outside the transaction, so a hit stays audited, D-24); raises PersonBanned."""
    if (institution.pk, role) == (employment.institution_id, employment.role):
        raise ValidationError(_("调入机构和岗位与当前任职相同。"))
    if start_date <= employment.start_date:
        raise ValidationError(_("调动日期须晚于原任职的入职日期。"))
    if institution.kind != Organisation.Kind.INSTITUTION:
        raise ValidationError(_("只能在托育机构登记任职。"))
    person = employment.person
    ban_gate(
        id_index=person.id_index,
        purpose=CheckPurpose.HIRING,
        actor=actor,
        organisation=institution,
        ip=ip,
        name=person.name,
        birth_date=person.birth_date,
    )
    with transaction.atomic():
        ended = employment_end(
            actor=actor, employment=employment, end_date=start_date - dt.timedelta(days=1), ip=ip
        )
        moved = _employment_write(
            actor=actor,
            person=person,
            institution=institution,
            role=role,
            start_date=start_date,
            has_labour_contract=ended.has_labour_contract,
            ui_contribution_months=ended.ui_contribution_months,
            ip=ip,
        )
        audit_record(
            actor=actor,
            action="employment.transfer",
            obj=moved,
            data={
                "from_employment": ended.pk,
                "from_institution": ended.institution_id,
                "from_role": ended.role,
                "start_date": start_date.isoformat(),
            },
            region_path=institution.region.path,
            ip=ip,
        )
    return moved
