"""Issue 18: the ban check, the hiring page and hours_credit do what they did in fewer
statements. Each test asserts what a user notices (blocked or not, who is alerted, the hours on
the learning page, the hiring form) and a ceiling on the statements the path sends; the
timings themselves live in `make bench` (ban_check_ratio, hiring_check_ratio,
hours_credit_ratio).

Counts include the SAVEPOINT/RELEASE pair a service's atomic block sends inside the test's
transaction (in production that pair is the BEGIN/COMMIT)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import BanCheck, BanEntry, CycleSummary, HourEntry, Notification
from certification.services.ban_register import ban_create
from certification.services.bans import PersonBanned, ban_check, ban_gate
from certification.services.compliance import compliance_on_employment_change
from certification.services.hours import hours_credit
from cms.choices import WorkerRole
from tests.factories import EmploymentFactory, PersonFactory, new_id_number

BIRTH = dt.date(1985, 4, 12)


def _ban(cast, regions, number, name="某某"):
    return ban_create(
        actor=cast.regulator,
        id_type="resident",
        id_number=number,
        name=name,
        region=regions.kunming,
        ban_type=BanEntry.BanType.LIFETIME,
        reason_category=BanEntry.Reason.ABUSE,
        decision_number="（2026）云01刑初9号",
        authority="昆明市中级人民法院",
        effective_date=dt.date(2026, 1, 1),
    )


def test_a_clear_check_is_one_lookup_and_its_record(
    cast, regions, orgs, django_assert_max_num_queries
):
    _ban(cast, regions, new_id_number(birth=BIRTH), name="张三")
    clear = PersonFactory(id_number=new_id_number())
    with django_assert_max_num_queries(4):  # savepoint, lookup, BanCheck row, release
        outcome = ban_check(
            id_index=clear.id_index,
            purpose="hiring",
            actor=cast.institution_admin,
            organisation=orgs.institution,
            name="李四",
            birth_date=BIRTH,
            id_masked="530102********0000",
        )
    assert outcome.is_hit is False
    check = BanCheck.objects.get(pk=outcome.check.pk)
    assert (check.result, check.subject_name, check.region_path) == (
        BanCheck.Result.CLEAR,
        "李四",
        orgs.institution.region.path,
    )


def test_a_hit_blocks_and_alerts_both_regions_and_the_institution_at_once(
    cast, regions, orgs, django_assert_max_num_queries
):
    number = new_id_number()
    entry = _ban(cast, regions, number)
    person = PersonFactory(id_number=number)
    with django_assert_max_num_queries(5):  # savepoint, lookup, record, alerts, release
        with pytest.raises(PersonBanned):
            ban_gate(
                id_index=person.id_index,
                purpose="hiring",
                actor=cast.other_institution_admin,
                organisation=orgs.other_institution,
            )
    check = BanCheck.objects.get(id_index=person.id_index)
    assert (check.result, check.ban_id) == (BanCheck.Result.HIT, entry.pk)
    # No after-commit step: the regulators of Kunming (registered) and Lanzhou (checking)
    # and the checking institution see the alert as soon as the check is committed.
    notices = Notification.objects.filter(dedupe_key__startswith=f"ban-check:{check.pk}:")
    assert sorted(n.recipient_region.path for n in notices if n.recipient_region) == sorted(
        [regions.kunming.path, regions.lanzhou.path]
    )
    org_notice = notices.get(recipient_organisation=orgs.other_institution)
    assert "虐待" not in org_notice.title and "刑初" not in org_notice.title


def test_the_one_lookup_prefers_the_id_and_reports_a_same_name_and_birth_date_as_near(
    cast, regions, orgs
):
    named = _ban(cast, regions, new_id_number(birth=BIRTH), name="王五")
    other = new_id_number()
    exact = _ban(cast, regions, other, name="赵六")
    hit = ban_check(
        id_index=exact.id_index, purpose="hiring", name="王五", birth_date=BIRTH
    )  # the ID of one entry, the name and birth date of another: the ID decides
    assert hit.is_hit and hit.ban == exact and hit.check.result == BanCheck.Result.HIT

    stranger = PersonFactory(id_number=new_id_number(birth=BIRTH))
    near = ban_gate(id_index=stranger.id_index, purpose="hiring", name=" 王五 ", birth_date=BIRTH)
    assert near.is_hit is False  # never a block: a regulator reviews it
    assert (near.check.result, near.check.ban_id) == (BanCheck.Result.NEAR_MATCH, named.pk)

    other_day = ban_check(
        id_index=stranger.id_index,
        purpose="hiring",
        name="王五",
        birth_date=BIRTH + dt.timedelta(days=1),
    )
    assert other_day.check.result == BanCheck.Result.CLEAR


def test_an_annulled_ban_no_longer_blocks(cast, regions):
    number = new_id_number()
    entry = _ban(cast, regions, number)
    person = PersonFactory(id_number=number)
    BanEntry.objects.filter(pk=entry.pk).update(
        status=BanEntry.Status.ANNULLED,
        annulment_decision_number="（2026）云01刑再1号",
        annulment_reason="再审改判",
    )
    assert ban_gate(id_index=person.id_index, purpose="enrolment").is_hit is False


def test_the_hiring_form_keeps_its_labels_errors_and_values(client, cast):
    client.force_login(cast.institution_admin)
    url = reverse("certification:hiring_check")
    page = client.post(
        url, {"name": "周某", "id_type": "hk_macau", "id_number": "12345", "check": "1"}
    ).content.decode()
    assert '<label for="id_name">姓名</label>' in page
    assert 'value="周某"' in page
    assert '<option value="hk_macau" selected>' in page
    # The number's error is shown and tied to its field for screen readers.
    assert 'id="id_id_number_error"' in page
    assert 'aria-invalid="true" aria-describedby="id_id_number_error"' in page
    assert not BanCheck.objects.filter(actor=cast.institution_admin).exists()

    clear = client.post(
        url, {"name": "周某", "id_type": "resident", "id_number": new_id_number(), "check": "1"}
    ).content.decode()
    assert "未发现禁止情形，可以办理入职" in clear and "aria-invalid" not in clear
    # The hire step follows, with its defaults: a labour contract, no insurance months yet.
    assert '<label for="id_start_date">入职日期</label>' in clear
    assert 'id="id_has_labour_contract" checked' in clear
    assert (
        'name="ui_contribution_months" min="0" required id="id_ui_contribution_months" value="0"'
        in clear
    )


@pytest.fixture
def both_roles(orgs):
    """A director who is also a caregiver, with both cycles' summaries in place."""
    person = PersonFactory()
    for role in (WorkerRole.CAREGIVER, WorkerRole.DIRECTOR):
        EmploymentFactory(
            person=person, institution=orgs.institution, role=role, start_date=dt.date(2025, 3, 1)
        )
    compliance_on_employment_change(person=person)
    return person


def _hours(person):
    return dict(CycleSummary.objects.filter(person=person).values_list("role", "theory_hours"))


def test_hours_credit_keeps_both_roles_summaries_in_few_statements(
    both_roles, django_assert_max_num_queries
):
    day = dt.date(2026, 3, 2)
    hours_credit(
        person=both_roles, date=day, hours=Decimal("1.5"), kind="theory", source="online"
    )  # the first posting also looks the policy up
    # savepoint, person lock, day total, ledger row, summaries, audit row, release
    with django_assert_max_num_queries(7):
        hours_credit(
            person=both_roles, date=day, hours=Decimal("2.0"), kind="theory", source="online"
        )
    # savepoint, lock, day total + earlier ref, savepoint/insert/release, summaries, audit,
    # release
    with django_assert_max_num_queries(9):
        entry = hours_credit(
            person=both_roles,
            date=day,
            hours=Decimal("5.0"),
            kind="theory",
            source="online",
            external_ref="lesson:1:x",
        )
    assert entry.hours == Decimal("3.5")  # the daily cap of 7 (1.5 + 2.0 already)
    assert _hours(both_roles) == {"caregiver": Decimal("7.0"), "director": Decimal("7.0")}

    # a repeat of the same ref: savepoint, lock, look-up, the earlier entry, release
    with django_assert_max_num_queries(5):
        again = hours_credit(
            person=both_roles,
            date=day,
            hours=Decimal("5.0"),
            kind="theory",
            source="online",
            external_ref="lesson:1:x",
        )
    assert again.pk == entry.pk
    assert _hours(both_roles) == {"caregiver": Decimal("7.0"), "director": Decimal("7.0")}
    assert HourEntry.objects.filter(person=both_roles).count() == 3


def test_a_course_for_directors_counts_only_toward_the_director_cycle(both_roles):
    from tests.certification.test_compliance import course

    for_directors = course([WorkerRole.DIRECTOR])
    hours_credit(
        person=both_roles,
        date=dt.date(2026, 3, 3),
        hours=Decimal("2.0"),
        kind="theory",
        source="online",
        course=for_directors,
    )
    assert _hours(both_roles) == {"caregiver": Decimal("0.0"), "director": Decimal("2.0")}


def test_hours_for_a_new_cycle_create_its_summary(orgs):
    """No summary yet for the cycle (e.g. the first posting after employment): it is made."""
    person = PersonFactory()
    EmploymentFactory(
        person=person,
        institution=orgs.institution,
        role=WorkerRole.CAREGIVER,
        start_date=dt.date(2025, 3, 1),
    )
    hours_credit(
        person=person,
        date=dt.date(2026, 3, 4),
        hours=Decimal("3.0"),
        kind="practice",
        source="import",
    )
    summary = CycleSummary.objects.get(person=person, role=WorkerRole.CAREGIVER)
    assert (summary.practice_hours, summary.theory_hours) == (Decimal("3.0"), Decimal("0.0"))
