"""D-39: indicators per training base for its regulators, computed in the database (one grouped
subquery per figure, so joins never multiply rows); the implausibility flags are the pure rules
in rules/supervision.py applied to each class's aggregated facts.

Offline classes belong to lms (lms → certification): they are read through Organisation's
reverse relation `class_sessions`, so certification imports nothing of lms."""

from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Round, TruncDate

from certification.models import (
    Accreditation,
    AccreditationDecision,
    AccreditationStatus,
    AssessmentResult,
    Certificate,
    HourEntry,
    Organisation,
)
from certification.models.assessments import AssessmentKind
from certification.rules.supervision import ClassFacts, Flag, class_flags

ZERO = Decimal("0")
NUMBER = DecimalField(max_digits=14, decimal_places=4)
HOURS = DecimalField(max_digits=9, decimal_places=1)
FINALISED = "finalised"  # lms ClassSession.Status.FINALISED: attendance and hours are final


def _class_sessions():
    return Organisation._meta.get_field("class_sessions").related_model.objects


def _grouped(qs, key: str, value, output_field=None, outer: str = "pk"):
    """A correlated subquery: `value` aggregated over the rows of `qs` whose `key` is the outer
    row's `outer` (one group, hence one row, per outer row)."""
    return Subquery(
        qs.filter(**{key: OuterRef(outer)}).order_by().values(key).annotate(v=value).values("v"),
        output_field=output_field or IntegerField(),
    )


def _per(numerator: str, denominator: str, *, scale: int = 1, places: int = 2):
    """numerator × scale ÷ denominator in SQL; NULL when the denominator is 0."""
    top = Cast(F(numerator), NUMBER) * Value(Decimal(scale), output_field=NUMBER)
    bottom = NullIf(Cast(F(denominator), NUMBER), Value(ZERO, output_field=NUMBER))
    return Round(ExpressionWrapper(top / bottom, output_field=NUMBER), places, output_field=NUMBER)


def base_indicators(bases):
    """Each base annotated with its figures:

    `results`/`passed` → `pass_rate` (percent of recorded assessment results that passed);
    `hours`/`learner_days` → `hours_per_learner_day` (net hours credited by this base per person
    per day on which they were credited anything; corrections count, being ledger entries);
    `certificates`/`issuers` → `certificates_per_issuer` (training certificates per staff account
    that issued them: a class names its teachers only as free text, so the accountable person is
    the certificate's `issued_by`)."""
    results = AssessmentResult.objects.all()
    hours = HourEntry.objects.all()
    certs = Certificate.objects.filter(kind=Certificate.Kind.TRAINING)
    learner_day = Concat(
        Cast("person_id", CharField()),
        Value(":"),
        Cast("date", CharField()),
        output_field=CharField(),
    )
    return bases.annotate(
        results=Coalesce(_grouped(results, "training_base", Count("pk")), 0),
        passed=Coalesce(_grouped(results, "training_base", Count("pk", filter=Q(passed=True))), 0),
        hours=Coalesce(
            _grouped(hours, "training_base", Sum("hours"), HOURS), Value(ZERO), output_field=HOURS
        ),
        learner_days=Coalesce(
            _grouped(hours, "training_base", Count(learner_day, distinct=True)), 0
        ),
        certificates=Coalesce(_grouped(certs, "issuer", Count("pk")), 0),
        issuers=Coalesce(_grouped(certs, "issuer", Count("issued_by", distinct=True)), 0),
    ).annotate(
        pass_rate=_per("passed", "results", scale=100, places=1),
        hours_per_learner_day=_per("hours", "learner_days"),
        certificates_per_issuer=_per("certificates", "issuers", places=1),
    )


def _score_figures(kind: str) -> dict:
    """Per class: learners scored, distinct scores and learners passed, on `kind` results of the
    class's course at its base by people on its roster."""
    results = AssessmentResult.objects.filter(
        kind=kind,
        score__isnull=False,
        training_base=OuterRef("training_base"),
        course=OuterRef("course"),
    )
    key = "person__class_enrolments__session"
    return {
        f"{kind}_scored": Coalesce(_grouped(results, key, Count("person", distinct=True)), 0),
        f"{kind}_distinct": Coalesce(_grouped(results, key, Count("score", distinct=True)), 0),
        f"{kind}_passed": Coalesce(
            _grouped(results, key, Count("person", distinct=True, filter=Q(passed=True))), 0
        ),
    }


def class_figures(training_base_ids):
    """Finalised classes of these bases, each with the aggregates the rules need."""
    sessions = _class_sessions()
    enrolled = _grouped(sessions.all(), "pk", Count("enrolments"))
    present = _grouped(sessions.filter(attendance__present=True), "pk", Count("attendance"))
    day_hours = (
        HourEntry.objects.filter(
            training_base=OuterRef("training_base"),
            date=OuterRef("day"),
            person__class_enrolments__session=OuterRef("pk"),
        )
        .order_by()
        .values("person")
        .annotate(total=Sum("hours"))
        .order_by("-total")
        .values("total")[:1]
    )
    figures = {}
    for kind in AssessmentKind.values:
        figures.update(_score_figures(kind))
    return (
        sessions.filter(training_base_id__in=list(training_base_ids), status=FINALISED)
        .annotate(
            day=TruncDate("starts_at"),
            length=ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()),
        )
        .annotate(
            enrolled=Coalesce(enrolled, 0),
            present=Coalesce(present, 0),
            max_daily_hours=Coalesce(
                Subquery(day_hours, output_field=HOURS), Value(ZERO), output_field=HOURS
            ),
            **figures,
        )
        .select_related("course")
        .order_by("-starts_at", "-id")
    )


def _facts(row, kind: str) -> ClassFacts:
    return ClassFacts(
        enrolled=row.enrolled,
        present=row.present,
        scored=getattr(row, f"{kind}_scored"),
        distinct_scores=getattr(row, f"{kind}_distinct"),
        passed=getattr(row, f"{kind}_passed"),
        credited_hours=row.hours,
        scheduled_hours=Decimal(int(row.length.total_seconds())) / 3600,
        max_daily_hours=row.max_daily_hours,
    )


def flags_of(row) -> list[Flag]:
    """The rules applied to a class's figures, once per assessment kind with scores; a flag
    about scores names the kind, a flag about hours appears once."""
    kinds = [k for k in AssessmentKind if getattr(row, f"{k.value}_scored")] or [
        AssessmentKind.THEORY
    ]
    flags: dict[str, Flag] = {}
    for kind in kinds:
        for flag in class_flags(_facts(row, kind.value)):
            if flag.code.startswith("hours_"):
                flags.setdefault(flag.code, flag)
            else:
                code = f"{kind.value}:{flag.code}"
                flags.setdefault(code, Flag(code, f"{kind.label}：{flag.message}"))
    return list(flags.values())


def flagged_classes(training_base_ids) -> list[tuple]:
    """(class, flags) for every finalised class of these bases that shows an implausibility."""
    rows = ((row, flags_of(row)) for row in class_figures(training_base_ids))
    return [(row, flags) for row, flags in rows if flags]


def supervision_list(bases) -> list:
    """The regulator's table: each base with its indicators and how many classes are flagged."""
    rows = list(base_indicators(bases).select_related("region").order_by("region__path", "name"))
    flagged: dict[int, int] = {}
    for session, _flags in flagged_classes([b.pk for b in rows]):
        flagged[session.training_base_id] = flagged.get(session.training_base_id, 0) + 1
    for base in rows:
        base.flagged_classes = flagged.get(base.pk, 0)
    return rows


def certificates_per_issuer(training_base) -> list[dict]:
    """Training certificates of this base counted per staff account that issued them."""
    return list(
        Certificate.objects.filter(issuer=training_base, kind=Certificate.Kind.TRAINING)
        .values("issued_by", "issued_by__display_name", "issued_by__email")
        .annotate(issued=Count("pk"), revoked=Count("pk", filter=Q(status="revoked")))
        .order_by("-issued", "issued_by")
    )


def base_accreditations(training_base):
    return (
        Accreditation.objects.filter(training_base=training_base)
        .prefetch_related("courses", "decisions__decided_by")
        .order_by("-valid_to", "-pk")
    )


def base_suspensions(training_base) -> list[dict]:
    """What stops this base issuing (D-39), for its own pages: a suspended or withdrawn base,
    and each suspended or withdrawn accreditation with the decision behind it."""
    notices = []
    if training_base.status != Organisation.Status.ACTIVE:
        notices.append({"base_status": training_base.get_status_display()})
    stopped = Accreditation.objects.filter(training_base=training_base).exclude(
        status=AccreditationStatus.ACTIVE
    )
    for accreditation in stopped.prefetch_related("courses"):
        decision = (
            AccreditationDecision.objects.filter(
                accreditation=accreditation, to_status=accreditation.status
            )
            .order_by("-decided_on", "-pk")
            .first()
        )
        notices.append({"accreditation": accreditation, "decision": decision})
    return notices
