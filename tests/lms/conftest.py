"""Fixtures shared by the lms tests: a learning policy (1 学时 = 1 minute) and an online course."""

import datetime as dt
from decimal import Decimal

import pytest
from wagtail.models import Site

from certification.models import LearningPolicy
from cms.models import CoursePage


@pytest.fixture
def policy(regions):
    # 1 学时 = 1 minute here so short tests earn whole hours.
    return LearningPolicy.objects.create(
        region=regions.yunnan,
        effective_from=dt.date(2020, 1, 1),
        minutes_per_class_hour=1,
        daily_cap_hours=Decimal("7"),
        programme_start=dt.date(2021, 1, 1),
    )


@pytest.fixture
def course(policy):
    root = Site.objects.get(is_default_site=True).root_page
    page = CoursePage(
        title="保育人员培训", slug="caregiver-online", code="ON-1", audience_roles=["caregiver"]
    )
    root.add_child(instance=page)
    return page
