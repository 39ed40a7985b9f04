"""Request and response schemas of the data-exchange API (D-32).

Every input is bounded (lengths, number ranges, no control characters) so a malformed request
is answered 422 with field errors and never reaches the database as something it cannot store.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, StringConstraints, field_validator

from certification.idnumbers import IdType
from certification.rules.certificates import mask_name
from cms.choices import HourKind, WorkerRole

_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_NO_CONTROL)
]
IdNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=_NO_CONTROL)
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=_NO_CONTROL)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=_NO_CONTROL)]
ObjectId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _not_after_today(value: dt.date | None, *, earliest: dt.date) -> dt.date | None:
    if value is None:
        return value
    if value > timezone.localdate():
        raise ValueError("日期不能晚于今天")
    if value < earliest:
        raise ValueError(f"日期不能早于 {earliest.isoformat()}")
    return value


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] = []


# ---- ban checks --------------------------------------------------------------------------


class BanCheckIn(Schema):
    id_type: IdType = IdType.RESIDENT
    id_number: IdNumber
    name: Name


class BanCheckOut(Schema):
    result: str  # "clear" | "blocked"; never the register details


# ---- persons -----------------------------------------------------------------------------


class PersonLookupIn(Schema):
    id_type: IdType = IdType.RESIDENT
    id_number: IdNumber


class PersonCreateIn(Schema):
    id_type: IdType = IdType.RESIDENT
    id_number: IdNumber
    name: Name
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=20, pattern=r"^[0-9+\- ]*$")
    ] = ""
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = Field(
        None,
        description="户籍/常住地区的行政区划代码；须在接口密钥的地区范围内，缺省为密钥所属地区",
    )


class PersonOut(Schema):
    id: int
    name: str
    id_masked: str


# ---- employments -------------------------------------------------------------------------


class EmploymentCreateIn(Schema):
    """Hiring (D-5): the person is named by ID number, as on the hiring check (入职查询)."""

    id_type: IdType = IdType.RESIDENT
    id_number: IdNumber
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    role: WorkerRole
    start_date: dt.date
    has_labour_contract: bool = True
    ui_contribution_months: int = Field(0, ge=0, le=600)

    @field_validator("start_date")
    @classmethod
    def _start_date_in_range(cls, value: dt.date) -> dt.date:
        if not dt.date(1970, 1, 1) <= value <= timezone.localdate() + dt.timedelta(days=366):
            raise ValueError("入职日期须在 1970-01-01 至一年后之间")
        return value


class EmploymentEndIn(Schema):
    end_date: dt.date

    @field_validator("end_date")
    @classmethod
    def _end_date_in_range(cls, value: dt.date) -> dt.date:
        return _not_after_today(value, earliest=dt.date(2000, 1, 1))


class EmploymentTermsIn(Schema):
    """The facts a subsidy's eligibility reads (D-27)."""

    ui_contribution_months: int = Field(ge=0, le=600)
    has_labour_contract: bool


class EmploymentTransferIn(Schema):
    """A move to another role or institution (调动): the old employment ends the day before."""

    institution_id: ObjectId | None = None  # omitted: the same institution, another role
    role: WorkerRole
    start_date: dt.date

    @field_validator("start_date")
    @classmethod
    def _start_date_in_range(cls, value: dt.date) -> dt.date:
        if not dt.date(2000, 1, 1) <= value <= timezone.localdate() + dt.timedelta(days=31):
            raise ValueError("调动日期须在 2000-01-01 至一个月后之间")
        return value


class EmploymentOut(Schema):
    id: int
    institution_id: int
    person: PersonOut
    role: str
    start_date: dt.date
    end_date: dt.date | None
    has_labour_contract: bool
    ui_contribution_months: int
    flagged_for_termination: bool

    @staticmethod
    def resolve_flagged_for_termination(obj) -> bool:
        return obj.flagged_for_termination_at is not None


class WorkCertificateRequirementOut(Schema):
    """D-37 持证上岗 for a new hire: whether the region requires a certificate for the role,
    the person's status and the last day of the grace period."""

    required: bool
    status: str = Field(description="not_required / within_grace / holds / past_grace")
    deadline: dt.date | None
    message: str


class EmploymentCreatedOut(EmploymentOut):
    work_certificate: WorkCertificateRequirementOut


# ---- hour entries ------------------------------------------------------------------------


class HourEntryIn(Schema):
    """Offline attendance hours pushed by a training base (D-7, D-8)."""

    person_id: ObjectId
    date: dt.date
    hours: Decimal = Field(gt=0, le=24, max_digits=3, decimal_places=1)
    kind: HourKind
    course_id: ObjectId | None = None
    external_ref: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,100}$")] = Field(
        description="培训基地系统中的出勤记录编号；同一编号重复提交只记一次"
    )

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, value: dt.date) -> dt.date:
        return _not_after_today(value, earliest=dt.date(2000, 1, 1))


class HourEntryOut(Schema):
    id: int | None = Field(description="学时记录编号；当日学时已达上限未记入时为 null")
    external_ref: str
    person_id: int
    date: dt.date
    hours: Decimal = Field(description="实际记入的学时（受每日上限约束）")
    requested_hours: Decimal
    kind: str
    capped: bool
    replayed: bool = Field(description="该 external_ref 此前已记入，本次未重复记入")


# ---- compliance --------------------------------------------------------------------------


class RoleComplianceOut(Schema):
    role: str
    role_label: str
    cycle_number: int
    start_date: dt.date
    end_date: dt.date
    theory_hours: Decimal
    practice_hours: Decimal
    total_hours: Decimal
    required_total: Decimal
    required_theory: Decimal
    required_practice: Decimal
    status: str
    status_label: str
    days_left: int
    percent: int
    year_hours: Decimal | None = None
    year_required: Decimal | None = None
    lapsed_cycles: list[int] = []

    @staticmethod
    def resolve_lapsed_cycles(obj) -> list[int]:
        return [s.cycle_number for s in obj.lapsed]


class ComplianceOut(Schema):
    person: PersonOut
    on_date: dt.date
    roles: list[RoleComplianceOut]


# ---- certificates ------------------------------------------------------------------------


class CertificateVerifyOut(Schema):
    serial: str
    kind: str
    status: str
    holder_name: str = Field(alias="person.name")
    issuer_name: str
    issue_date: dt.date
    revoked: bool

    @staticmethod
    def resolve_revoked(obj) -> bool:
        status = obj["status"] if isinstance(obj, dict) else obj.status
        return status == "revoked"


class CertificatePublicOut(CertificateVerifyOut):
    """What any key learns by verification code: the holder's name masked exactly as on the
    public /verify/ page (D-20); full names only in the in-scope lists."""

    holder_name: str

    @staticmethod
    def resolve_holder_name(obj) -> str:
        return mask_name(obj.person.name)


class CertificateCredentialOut(Schema):
    """The certificate's signed Open Badges 3.0 credential (VC-JWT) and what a verifier finds
    for it today: signature by a published key of its province, and its revocation bit."""

    jwt: str
    media_type: str
    signature_valid: bool
    revoked: bool | None
    status_list: str
    jwks: str


class CertificateIssueIn(Schema):
    person_id: ObjectId
    course_id: ObjectId
    issue_date: dt.date | None = None

    @field_validator("issue_date")
    @classmethod
    def _issue_date_in_range(cls, value: dt.date | None) -> dt.date | None:
        return _not_after_today(value, earliest=dt.date(2000, 1, 1))


class CertificateIssuedOut(CertificateVerifyOut):
    verification_code: str


class FraudFindingIn(Schema):
    """D-38: the decision that makes a revocation a finding in the credit record."""

    kind: Literal["certificate_fraud", "false_training"]
    decision_number: Name
    authority: Name
    decision_date: dt.date
    summary: Note = ""

    @field_validator("decision_date")
    @classmethod
    def _decided_by_today(cls, value):
        return _not_after_today(value, earliest=dt.date(2000, 1, 1))


class CertificateRevokeIn(Schema):
    reason: Reason
    fraud: FraudFindingIn | None = None


# ---- subsidy applications ----------------------------------------------------------------


class SubsidyApplicationOut(Schema):
    id: int
    status: str
    subsidy_type: str
    person: PersonOut
    certificate_serial: str = Field(alias="certificate.serial")
    institution_name: str | None
    region_code: str = Field(alias="region_id")
    amount: Decimal | None
    submitted_at: dt.datetime | None
    notice_start: dt.date | None
    notice_end: dt.date | None
    decision_reason: str

    @staticmethod
    def resolve_institution_name(obj) -> str | None:
        return obj.institution.name if obj.institution_id else None


class SubsidyDecisionIn(Schema):
    """approve_notice: pass the review and start the public notice; reject: refuse (reason
    required); approve: final approval after the notice ended without open objections."""

    decision: Literal["approve_notice", "reject", "approve"]
    reason: Note = ""
