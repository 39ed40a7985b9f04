"""factory_boy factories shared by every test module."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from certification import pii
from certification.idnumbers import IdType, build_resident_id, uscc_check_char
from certification.models import (
    Accreditation,
    AccreditationDecision,
    BanEntry,
    Certificate,
    CreditRecord,
    CycleSummary,
    Employment,
    EventType,
    HealthCheck,
    HealthTraining,
    HourEntry,
    Organisation,
    Person,
    Receiver,
    Region,
    StaffMembership,
    SubsidyApplication,
)
from cms.choices import WorkerRole
from cms.models import User
from lms.models import ClassSession

_sequence = itertools.count(1)


def new_id_number(area: str = "530102", birth: dt.date = dt.date(1990, 5, 17)) -> str:
    """A fresh valid resident ID number for each call."""
    return build_resident_id(area, birth, next(_sequence) % 1000)


def region(code: str, name: str, parent: Region | None = None) -> Region:
    level = (
        "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
    )
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


def uscc(seed: int) -> str:
    """A valid unified social credit code (GB 32100) built from a number."""
    body = f"52530100{seed:09d}"[:17]
    return body + uscc_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Demo-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.INSTITUTION
    name = factory.Sequence(lambda n: f"测试托育园{n}")
    credit_code = factory.Sequence(lambda n: uscc(n + 1))
    nature = Organisation.Nature.NON_PROFIT
    filing_status = Organisation.FilingStatus.FILED
    filing_number = factory.Sequence(lambda n: f"备案-{n:05d}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试人员{n}")
    birth_date = dt.date(1990, 5, 17)

    @factory.lazy_attribute
    def _id(self):
        return new_id_number(birth=self.birth_date)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        number = kwargs.pop("_id")
        id_number = kwargs.pop("id_number", None) or number
        person = model_class(*args, **kwargs)
        person.set_id_number(IdType.RESIDENT, id_number)
        person.gender = "M" if int(id_number[16]) % 2 else "F"
        person.save()
        return person


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    person = factory.SubFactory(PersonFactory)
    role = WorkerRole.CAREGIVER
    start_date = dt.date(2022, 3, 1)
    has_labour_contract = True
    ui_contribution_months = 24


class AccreditationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accreditation

    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


def membership(user, role: str, *, organisation=None, region_obj=None) -> StaffMembership:
    return StaffMembership.objects.create(
        user=user, role=role, organisation=organisation, region=region_obj
    )


class BanEntryFactory(factory.django.DjangoModelFactory):
    """A register entry for `person` (its ID copied, encrypted and indexed as the register does);
    pass `region`. Lifetime and active unless told otherwise."""

    class Meta:
        model = BanEntry
        exclude = ("person",)

    person = factory.SubFactory(PersonFactory)
    id_type = factory.SelfAttribute("person.id_type")
    id_cipher = factory.SelfAttribute("person.id_cipher")
    id_index = factory.SelfAttribute("person.id_index")
    id_masked = factory.SelfAttribute("person.id_masked")
    name = factory.SelfAttribute("person.name")
    birth_date = factory.SelfAttribute("person.birth_date")
    ban_type = BanEntry.BanType.LIFETIME
    reason_category = "abuse"
    decision_number = factory.Sequence(lambda n: f"卫禁〔2026〕{n + 1}号")
    authority = "昆明市卫生健康委员会"
    effective_date = dt.date(2026, 1, 1)


class CertificateFactory(factory.django.DjangoModelFactory):
    """A valid training certificate issued 30 days ago; pass `issuer` for a base's own."""

    class Meta:
        model = Certificate

    kind = Certificate.Kind.TRAINING
    serial = factory.Sequence(lambda n: f"TC-TEST-{n:06d}")
    verification_code = factory.Sequence(lambda n: f"test-verification-{n:06d}")
    person = factory.SubFactory(PersonFactory)
    region = factory.LazyAttribute(lambda o: o.person.region)  # the holder's, as at issue
    issuer = None
    issuer_name = factory.LazyAttribute(lambda o: o.issuer.name if o.issuer else "测试培训基地")
    occupation = "4-10-01-03"
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))

    class Params:
        revoked = factory.Trait(
            status=Certificate.Status.REVOKED,
            revoked_at=factory.LazyFunction(timezone.now),
            revocation_reason="测试撤销",
        )


class SubsidyApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted training-subsidy application on the person's certificate; pass `region`."""

    class Meta:
        model = SubsidyApplication

    person = factory.SubFactory(PersonFactory)
    certificate = factory.SubFactory(CertificateFactory, person=factory.SelfAttribute("..person"))
    subsidy_type = "training"
    status = "submitted"
    amount = None
    submitted_at = factory.LazyFunction(timezone.now)


class CycleSummaryFactory(factory.django.DjangoModelFactory):
    """A caregiver's first five-year cycle from 2021 (120 h: 60 theory, 30 practice), no hours."""

    class Meta:
        model = CycleSummary

    person = factory.SubFactory(PersonFactory)
    role = WorkerRole.CAREGIVER
    cycle_number = 1
    start_date = dt.date(2021, 1, 1)
    end_date = factory.LazyAttribute(
        lambda o: o.start_date.replace(year=o.start_date.year + 5) - dt.timedelta(days=1)
    )
    required_total = Decimal("120")
    required_theory = Decimal("60")
    required_practice = Decimal("30")


class HourEntryFactory(factory.django.DjangoModelFactory):
    """Imported practice hours dated today; post them with compliance_on_hour_entry."""

    class Meta:
        model = HourEntry

    person = factory.SubFactory(PersonFactory)
    date = factory.LazyFunction(timezone.localdate)
    hours = Decimal("2.0")
    kind = "practice"
    source = "import"


class ClassSessionFactory(factory.django.DjangoModelFactory):
    """A scheduled two-hour practice class a week from now; pass `course` and `training_base`."""

    class Meta:
        model = ClassSession

    title = factory.Sequence(lambda n: f"测试班次{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    hours = Decimal("2.0")
    hour_kind = "practice"
    capacity = 30


class CreditRecordFactory(factory.django.DjangoModelFactory):
    """A commendation of `organisation` (pass it), registered in the organisation's region."""

    class Meta:
        model = CreditRecord

    subject_kind = CreditRecord.SubjectKind.ORGANISATION
    organisation = factory.SubFactory(OrganisationFactory)
    region = factory.SelfAttribute("organisation.region")
    kind = CreditRecord.Kind.COMMENDATION
    decision_number = factory.Sequence(lambda n: f"卫表〔2026〕{n + 1}号")
    authority = "昆明市卫生健康委员会"
    decision_date = dt.date(2026, 6, 1)


class AccreditationDecisionFactory(factory.django.DjangoModelFactory):
    """A regulator's suspension of `accreditation` (pass it and `decided_by`); the decision row
    only: the status changes through services.supervision.accreditation_decide."""

    class Meta:
        model = AccreditationDecision

    action = AccreditationDecision.Action.SUSPEND
    from_status = "active"
    to_status = "suspended"
    decision_number = factory.Sequence(lambda n: f"卫监〔2026〕{n + 1}号")
    reason = "培训记录弄虚作假"
    decided_on = dt.date(2026, 11, 20)


class HealthCheckFactory(factory.django.DjangoModelFactory):
    """A fit yearly health check a month ago, its certificate valid for a year; pass `person`
    and `institution`."""

    class Meta:
        model = HealthCheck

    check_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    result = HealthCheck.Result.FIT
    hospital = "昆明市妇幼保健院"
    certificate_number = factory.Sequence(lambda n: f"JK{n:06d}")
    valid_until = factory.LazyAttribute(lambda o: o.check_date + dt.timedelta(days=364))


class HealthTrainingFactory(factory.django.DjangoModelFactory):
    """A health-care training a month ago; pass `person` and `institution`."""

    class Meta:
        model = HealthTraining

    training_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    hours = Decimal("4.0")
    provider = "托育机构卫生保健培训"


class ReceiverFactory(factory.django.DjangoModelFactory):
    """An active outbox receiver of every event type (D-40); pass `url`, and `secret` to sign
    with a known key (stored encrypted, as the receiver service stores it)."""

    class Meta:
        model = Receiver

    name = factory.Sequence(lambda n: f"全国托育服务信息管理系统{n}")
    url = "https://tuoyu.example.gov.cn/api/events"
    event_types = factory.LazyFunction(lambda: [t.value for t in EventType])
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("secret", "receiver-secret-2026")
        return model_class.objects.create(*args, secret_cipher=pii.encrypt(secret), **kwargs)
