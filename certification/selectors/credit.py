"""Reads of the credit file (D-38)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from certification.models import CreditRecord, Organisation

K = CreditRecord.Kind


def credit_records_in_force(records: QuerySet[CreditRecord]) -> QuerySet[CreditRecord]:
    """Records neither annulled nor themselves corrections."""
    return records.filter(annuls__isnull=True, annulled_by__isnull=True)


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class PublicCreditSummary:
    """What anyone may read about an organisation: its own findings and commendations in force
    and their counts per kind. Nothing about people, not even counts: at a small institution a
    count of 1 ban would point at someone."""

    organisation: Organisation
    counts: list[KindCount]
    findings: list[CreditRecord]
    commendations: list[CreditRecord]


def organisation_credit_summary(organisation: Organisation) -> PublicCreditSummary:
    records = list(
        credit_records_in_force(
            CreditRecord.objects.filter(
                subject_kind=CreditRecord.SubjectKind.ORGANISATION, organisation=organisation
            )
        ).order_by("-decision_date", "-pk")
    )
    per_kind = dict.fromkeys(K.values, 0)
    for r in records:
        per_kind[r.kind] += 1
    return PublicCreditSummary(
        organisation=organisation,
        counts=[KindCount(k, str(K(k).label), n) for k, n in per_kind.items()],
        findings=[r for r in records if r.kind != K.COMMENDATION],
        commendations=[r for r in records if r.kind == K.COMMENDATION],
    )


def public_organisations(query: str = "") -> QuerySet[Organisation]:
    """Institutions and training bases by name or 统一社会信用代码, with their counts of
    organisation-level findings and commendations in force."""
    in_force = Q(credit_records__annuls__isnull=True, credit_records__annulled_by__isnull=True)
    orgs = Organisation.objects.select_related("region").annotate(
        findings=Count("credit_records", filter=in_force & ~Q(credit_records__kind=K.COMMENDATION)),
        commendations=Count(
            "credit_records", filter=in_force & Q(credit_records__kind=K.COMMENDATION)
        ),
    )
    query = (query or "").strip()
    if query:
        orgs = orgs.filter(Q(name__contains=query) | Q(credit_code=query.upper()))
    return orgs.order_by("name", "pk")


def public_organisation_by_code(credit_code: str) -> Organisation | None:
    return (
        Organisation.objects.select_related("region")
        .filter(credit_code=(credit_code or "").upper())
        .first()
    )


def credit_records_in_region(region) -> QuerySet[CreditRecord]:
    """Every record registered in the region's subtree (corrections included), for the export."""
    return CreditRecord.objects.filter(region__path__startswith=region.path).order_by("pk")
