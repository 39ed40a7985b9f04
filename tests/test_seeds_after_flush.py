"""The rows data migrations seed are there for every database test, even right after a
transactional test flushed the database (tests/conftest.py `_seed_rows_after_flush`).

Run in file order, the transactional test comes first; the seed-dependent tests after it used
to fail (no Wagtail root page, no national rule rows)."""

import pytest
from wagtail.models import Locale, Page, Site

from certification.models import LearningPolicy, RequirementRule
from certification.models.subsidies import SubsidyPolicy, SubsidyStandard
from certification.seeds import seed_all
from cms.seeds import ensure_wagtail_tree


def _seeded() -> dict:
    return {
        "root page": Page.get_first_root_node() is not None,
        "default site": Site.objects.filter(is_default_site=True).exists(),
        "locale": Locale.objects.exists(),
        "learning policy": LearningPolicy.objects.filter(region__isnull=True).exists(),
        "requirement rules": RequirementRule.objects.filter(region__isnull=True).count() == 2,
        "subsidy policy": SubsidyPolicy.objects.filter(region__isnull=True).exists(),
        "subsidy standards": SubsidyStandard.objects.filter(region__isnull=True).count() == 11,
    }


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_sees_the_seeds_and_its_flush_follows():
    assert all(_seeded().values()), _seeded()


def test_the_next_test_still_sees_the_seeds(db):
    assert all(_seeded().values()), _seeded()


@pytest.mark.django_db
def test_a_marker_only_test_sees_them_too():
    assert all(_seeded().values()), _seeded()


def test_a_course_page_can_be_added_under_the_default_site(db):
    from cms.models import CoursePage

    root = Site.objects.get(is_default_site=True).root_page
    course = root.add_child(
        instance=CoursePage(
            title="种子课程", slug="seed-course", code="S-1", audience_roles=["all"]
        )
    )
    assert course.url_path.endswith("/seed-course/")


def test_the_seed_functions_are_idempotent(db):
    from django.apps import apps

    before = (
        SubsidyStandard.objects.count(),
        RequirementRule.objects.count(),
        Page.objects.count(),
    )
    seed_all(apps)
    ensure_wagtail_tree(apps)
    after = (SubsidyStandard.objects.count(), RequirementRule.objects.count(), Page.objects.count())
    assert before == after
