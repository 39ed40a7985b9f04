"""Read-side of yearly health care (D-36): each employed person's health standing, the counts on
the dashboards, one person's record.

The standing is computed in the database (the latest check and training per person, then one
CASE mirroring rules.health.health_status with the same cut-off dates), so a list or a count
over a whole region is one query and never a loop over people in Python. A list annotates each
person with correlated subqueries; a count (the dashboards, a whole region) reads the latest
check and training of all its people once each, by hash joins (issue 18: the CASE repeats its
columns, and repeated correlated subqueries cost several index probes per person). Both use the
one CASE of _status_case. tests/certification/test_health.py checks the CASE against the rule
on the edge dates, and the count against the list."""

import datetime as dt

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    DateField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.utils import timezone

from certification.models import (
    Employment,
    HealthCheck,
    HealthTraining,
    Organisation,
    Person,
    Region,
)
from certification.rules.health import (
    ATTENTION_ORDER,
    DUE_SOON_DAYS,
    FLAGGED,
    HealthFacts,
    HealthStatus,
    health_status,
    health_year_cutoff,
)

S = HealthStatus


def _status_case(on_date: dt.date, due_days: int) -> Case:
    soon = on_date + dt.timedelta(days=due_days)
    cutoff = health_year_cutoff(on_date, due_days=due_days)
    return Case(
        When(last_check_date__isnull=True, then=Value(S.MISSING.value)),
        When(last_result=HealthCheck.Result.UNFIT, then=Value(S.UNFIT.value)),
        When(last_valid_until__lt=on_date, then=Value(S.OVERDUE.value)),
        When(
            Q(last_valid_until__lte=soon)
            | Q(last_check_date__lte=cutoff)
            | Q(last_training_date__isnull=True)
            | Q(last_training_date__lte=cutoff),
            then=Value(S.DUE.value),
        ),
        default=Value(S.OK.value),
        output_field=CharField(),
    )


def people_with_health_status(
    people: QuerySet[Person], *, on_date: dt.date | None = None, due_days: int = DUE_SOON_DAYS
) -> QuerySet[Person]:
    """`people` annotated with their latest check (date, result, certificate, hospital), latest
    training date and `health_status` on `on_date`."""
    on_date = on_date or timezone.localdate()
    latest = HealthCheck.objects.filter(person=OuterRef("pk")).order_by("-check_date", "-pk")
    training = HealthTraining.objects.filter(person=OuterRef("pk")).order_by("-training_date")
    return people.annotate(
        last_check_date=Subquery(latest.values("check_date")[:1]),
        last_result=Subquery(latest.values("result")[:1]),
        last_valid_until=Subquery(latest.values("valid_until")[:1]),
        last_certificate_number=Subquery(latest.values("certificate_number")[:1]),
        last_hospital=Subquery(latest.values("hospital")[:1]),
        last_training_date=Subquery(training.values("training_date")[:1]),
    ).annotate(health_status=_status_case(on_date, due_days))


def employed_at(institution: Organisation) -> QuerySet[Person]:
    """People the institution employs now (in any role), each once."""
    return Person.objects.filter(
        pk__in=Employment.objects.filter(institution=institution, end_date__isnull=True).values(
            "person_id"
        )
    )


def institution_health_people(
    *,
    institution: Organisation,
    visible: QuerySet[Person] | None = None,
    status: str = "",
    on_date: dt.date | None = None,
) -> list[dict]:
    """The institution's employed people (of those `visible` to the reader) with their standing,
    who needs attention first (unfit, overdue, missing, due, ok), then by name; `status`
    narrows the list to one standing."""
    people = employed_at(institution)
    if visible is not None:
        people = people.filter(pk__in=visible.values("pk"))
    rows = people_with_health_status(people, on_date=on_date)
    if status:
        rows = rows.filter(health_status=status)
    attention = Case(
        *[When(health_status=s.value, then=Value(n)) for n, s in enumerate(ATTENTION_ORDER)],
        default=Value(len(ATTENTION_ORDER)),
    )
    return list(
        rows.annotate(attention=attention)
        .order_by("attention", "name", "pk")
        .values(
            "pk",
            "name",
            "id_masked",
            "health_status",
            "last_check_date",
            "last_result",
            "last_valid_until",
            "last_certificate_number",
            "last_hospital",
            "last_training_date",
        )
    )


def _status_sql(on_date: dt.date, due_days: int, connection) -> tuple[str, list]:
    """_status_case compiled over the columns of the count query below (c: latest check,
    t: latest training), so the count applies the very same CASE as the lists."""
    query = Query(Person)
    for name, column, output in (
        ("last_check_date", "c.check_date", DateField()),
        ("last_result", "c.result", CharField()),
        ("last_valid_until", "c.valid_until", DateField()),
        ("last_training_date", "t.training_date", DateField()),
    ):
        query.add_annotation(RawSQL(column, [], output_field=output), name)  # noqa: S611 (constants)
    case = _status_case(on_date, due_days).resolve_expression(query)
    sql, params = case.as_sql(query.get_compiler(connection=connection), connection)
    return sql, list(params)


def _counts_of(person_ids: QuerySet, *, on_date: dt.date | None) -> dict[str, int]:
    """{status: n} of the people whose ids `person_ids` (a one-column queryset, each id once)
    selects, in one query: the latest check per person by DISTINCT ON and the latest training
    by MAX, each over those people's rows once, hash-joined to the ids and grouped by the CASE."""
    on_date = on_date or timezone.localdate()
    connection = connections[person_ids.db]
    ids_sql, ids_params = person_ids.query.sql_with_params()
    case_sql, case_params = _status_sql(on_date, DUE_SOON_DAYS, connection)
    checks, trainings = HealthCheck._meta.db_table, HealthTraining._meta.db_table
    sql = f"""
        WITH p (person_id) AS ({ids_sql}),
        c AS (
            SELECT DISTINCT ON (h.person_id) h.person_id, h.check_date, h.result, h.valid_until
            FROM {checks} h WHERE h.person_id IN (SELECT person_id FROM p)
            ORDER BY h.person_id, h.check_date DESC, h.id DESC
        ),
        t AS (
            SELECT person_id, MAX(training_date) AS training_date FROM {trainings}
            WHERE person_id IN (SELECT person_id FROM p) GROUP BY person_id
        )
        SELECT {case_sql} AS health_status, COUNT(*)
        FROM p LEFT JOIN c ON c.person_id = p.person_id LEFT JOIN t ON t.person_id = p.person_id
        GROUP BY 1"""  # noqa: S608 (table names from _meta, the rest compiled with params)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, *case_params])
        grouped = cursor.fetchall()
    counts = dict.fromkeys(S.values, 0)
    for status, n in grouped:
        counts[status] = n
    counts["flagged"] = sum(counts[s] for s in FLAGGED)
    counts["total"] = sum(counts[s] for s in S.values)
    return counts


def health_counts(people: QuerySet[Person], *, on_date: dt.date | None = None) -> dict[str, int]:
    """{status: n} for every standing (zeros included) plus "flagged" (unfit + overdue) and
    "total", grouped in one query."""
    return _counts_of(people.order_by().values("pk").distinct(), on_date=on_date)


def health_count_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(status, label, n) in attention order, for the count cards of the pages."""
    return [(s.value, str(s.label), counts.get(s.value, 0)) for s in ATTENTION_ORDER]


def institution_health_counts(
    *, institution: Organisation, on_date: dt.date | None = None
) -> dict[str, int]:
    return health_counts(employed_at(institution), on_date=on_date)


def region_health_counts(
    *, region: Region, institution: Organisation | None = None, on_date: dt.date | None = None
) -> dict[str, int]:
    """People employed now at institutions of the region's subtree (or of one institution)."""
    employments = Employment.objects.filter(end_date__isnull=True)
    if institution is not None:
        employments = employments.filter(institution=institution)
    else:
        codes = Region.objects.filter(path__startswith=region.path).values("code")
        employments = employments.filter(institution__region_id__in=codes)
    # The people straight from their employments (each once), not a semi-join to every person.
    return _counts_of(employments.order_by().values("person_id").distinct(), on_date=on_date)


def institution_health_flags(
    *, institution: Organisation, on_date: dt.date | None = None
) -> dict[int, str]:
    """{person id: status} of the institution's people whose standing flags them (unfit or
    overdue): the roster marks them like a lapsed cycle."""
    rows = people_with_health_status(employed_at(institution), on_date=on_date).filter(
        health_status__in=[s.value for s in FLAGGED]
    )
    return dict(rows.values_list("pk", "health_status"))


def person_health(person: Person, *, on_date: dt.date | None = None) -> dict:
    """One person's latest check and training and, while employed, their standing by the rule."""
    on_date = on_date or timezone.localdate()
    check = person.health_checks.select_related("institution").first()
    training = person.health_trainings.select_related("institution").first()
    employed = person.employments.filter(end_date__isnull=True).exists()
    status = None
    if employed:
        status = health_status(
            HealthFacts(
                last_check_date=check.check_date if check else None,
                last_check_fit=(check.result == HealthCheck.Result.FIT) if check else None,
                valid_until=check.valid_until if check else None,
                last_training_date=training.training_date if training else None,
            ),
            on_date=on_date,
        )
    return {
        "check": check,
        "training": training,
        "status": status,
        "status_label": S(status).label if status else "",
        "flagged": status in FLAGGED,
    }
