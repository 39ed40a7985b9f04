"""factory_boy factories shared by every test module."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from certification.idnumbers import IdType, build_resident_id
from certification.models import (
    Accreditation,
    Employment,
    Organisation,
    Person,
    Region,
    StaffMembership,
)
from cms.choices import WorkerRole
from cms.models import User

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
    from certification.idnumbers import uscc_check_char

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
