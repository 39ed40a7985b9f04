"""The shared cast: two provinces, their institutions and training bases, and one user per role
(plus outsiders of another region and another base) for grant AND denial tests."""

from types import SimpleNamespace

import pytest
from django.db import connection

from certification.models import Organisation, StaffRole
from cms.choices import WorkerRole
from tests.factories import (
    EmploymentFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    membership,
    region,
)

PASSWORD = "Demo-pass-2026"


@pytest.fixture
def regions(db):
    yunnan = region("530000", "云南省")
    kunming = region("530100", "昆明市", yunnan)
    wuhua = region("530102", "五华区", kunming)
    gansu = region("620000", "甘肃省")
    lanzhou = region("620100", "兰州市", gansu)
    return SimpleNamespace(
        yunnan=yunnan, kunming=kunming, wuhua=wuhua, gansu=gansu, lanzhou=lanzhou
    )


@pytest.fixture
def orgs(regions):
    return SimpleNamespace(
        institution=OrganisationFactory(name="五华区阳光托育园", region=regions.wuhua),
        other_institution=OrganisationFactory(name="兰州市七彩托育园", region=regions.lanzhou),
        base=OrganisationFactory(
            name="昆明市托育培训基地", region=regions.kunming, kind=Organisation.Kind.TRAINING_BASE
        ),
        other_base=OrganisationFactory(
            name="兰州市托育培训基地", region=regions.lanzhou, kind=Organisation.Kind.TRAINING_BASE
        ),
    )


@pytest.fixture
def cast(regions, orgs):
    """One user per role. `worker` is a caregiver at `orgs.institution` with a person record."""
    worker_user = UserFactory(email="worker@example.test", display_name="王保育")
    worker = PersonFactory(name="王保育", user=worker_user, region=regions.wuhua)
    EmploymentFactory(person=worker, institution=orgs.institution, role=WorkerRole.CAREGIVER)
    director_user = UserFactory(email="director@example.test", display_name="李园长")
    director = PersonFactory(name="李园长", user=director_user, region=regions.wuhua)
    EmploymentFactory(person=director, institution=orgs.institution, role=WorkerRole.DIRECTOR)
    other_worker = PersonFactory(name="赵外地", region=regions.lanzhou)
    EmploymentFactory(person=other_worker, institution=orgs.other_institution)

    def staff(email, role, **scope):
        user = UserFactory(email=email, display_name=email.split("@")[0])
        membership(user, role, **scope)
        return user

    return SimpleNamespace(
        worker_user=worker_user,
        worker=worker,
        director_user=director_user,
        director=director,
        other_worker=other_worker,
        institution_admin=staff(
            "inst@example.test", StaffRole.INSTITUTION_ADMIN, organisation=orgs.institution
        ),
        other_institution_admin=staff(
            "inst2@example.test", StaffRole.INSTITUTION_ADMIN, organisation=orgs.other_institution
        ),
        base_staff=staff("base@example.test", StaffRole.BASE_STAFF, organisation=orgs.base),
        other_base_staff=staff(
            "base2@example.test", StaffRole.BASE_STAFF, organisation=orgs.other_base
        ),
        hr_reviewer=staff("hr@example.test", StaffRole.HR_REVIEWER, region_obj=regions.kunming),
        hr_payment=staff("pay@example.test", StaffRole.HR_PAYMENT, region_obj=regions.kunming),
        other_hr_reviewer=staff(
            "hr2@example.test", StaffRole.HR_REVIEWER, region_obj=regions.lanzhou
        ),
        regulator=staff("reg@example.test", StaffRole.REGULATOR, region_obj=regions.kunming),
        other_regulator=staff("reg2@example.test", StaffRole.REGULATOR, region_obj=regions.lanzhou),
        editor=staff("editor@example.test", StaffRole.EDITOR),
        outsider=UserFactory(email="outsider@example.test"),
    )


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit" / "checkpoints.jsonl"


# --- Seed rows after a flush ------------------------------------------------------------------
# A transactional test (django_db(transaction=True), transactional_db, live_server) ends with a
# flush that empties every table, including the rows data migrations seed: Wagtail's root page,
# default site and locale, and the rule data of certification migrations 0004–0006. Before each
# database test that follows one (and before the first), put them back with the same functions
# the migrations call. Done outside the test's transaction when the fixture runs first, so the
# rows persist; otherwise inside it (rolled back, so the next test checks again).

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}
_seeds = {"maybe_missing": True}


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


def ensure_seed_rows() -> None:
    from django.apps import apps

    from certification.seeds import seed_all
    from cms.seeds import ensure_wagtail_tree

    ensure_wagtail_tree(apps)
    seed_all(apps)


@pytest.fixture(autouse=True)
def _seed_rows_after_flush(request):
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        _DB_FIXTURES & set(request.fixturenames)
    )
    if uses_db and _seeds["maybe_missing"]:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            ensure_seed_rows()
            if not connection.in_atomic_block:
                _seeds["maybe_missing"] = False
    yield
    if uses_db and _is_transactional(request):
        _seeds["maybe_missing"] = True


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in zh-hans: a test-client request in English (LocaleMiddleware) leaves
    the thread's language active, and the next test would read English messages."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (LocMem lives as long as the process): an answer
    cached from one test's rolled-back rows (a rule, a policy, "not staff") must not reach the
    next."""
    from django.core.cache import cache

    cache.clear()
