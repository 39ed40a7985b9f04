"""factory_boy factories shared by every test module."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from certification.idnumbers import IdType, build_resident_id, uscc_check_char
from certification.models import (
    Accreditation,
    BanEntry,
    Certificate,
    CycleSummary,
    Employment,
    HourEntry,
    Organisation,
    Person,
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
