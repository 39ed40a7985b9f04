"""Demo certificates: training certificates for the first people and the demo worker and
director logins, and skill-level records (idempotent). Runs after the lms demo (order 30) and
before the subsidy demo (order 70), which needs the demo worker's certificates; skips when there
are no courses yet."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from certification.models import (
    Accreditation,
    Certificate,
    HourEntry,
    Organisation,
    Person,
    StaffMembership,
)
from certification.models.assessments import AssessmentResult
from certification.services.certificates import (
    CertificateRefused,
    certificate_issue_training,
    certificate_record_skill_level,
)
from cms.demo import demo_step
from cms.models import CoursePage

DEMO_WORKER = "worker@demo.carecert.cn"
DEMO_LOGINS = (DEMO_WORKER, "director@demo.carecert.cn")


@demo_step(50, "certificates")
def demo_certificates(log) -> None:

    course = CoursePage.objects.live().order_by("pk").first()
    staff = (
        StaffMembership.objects.filter(
            role="base_staff", is_active=True, organisation__isnull=False
        )
        .select_related("user", "organisation")
        .first()
    )
    if course is None or staff is None:
        log("# certificates demo skipped: no courses or base staff yet")
        return
    base: Organisation = staff.organisation
    today = timezone.localdate()
    acc = Accreditation.objects.filter(training_base=base, courses=course).first()
    if acc is None:
        acc = Accreditation.objects.create(
            training_base=base,
            valid_from=today.replace(month=1, day=1),
            valid_to=today + dt.timedelta(days=730),
            document_number="演示-2026-01",
        )
        acc.courses.add(course)
    first = list(Person.objects.order_by("pk")[:3])
    logins = list(Person.objects.filter(user__email__in=DEMO_LOGINS).order_by("pk"))
    for person in first + [p for p in logins if p not in first]:
        for kind, hours in (("theory", course.theory_hours), ("practice", course.practice_hours)):
            if hours and hours > 0:
                HourEntry.objects.get_or_create(
                    external_ref=f"demo:cert:{course.pk}:{person.pk}:{kind}",
                    defaults={
                        "person": person,
                        "date": today,
                        "hours": Decimal(hours),
                        "kind": kind,
                        "source": "offline",
                        "course": course,
                        "training_base": base,
                    },
                )
        for kind in ("theory", "practical"):
            AssessmentResult.objects.get_or_create(
                person=person,
                course=course,
                kind=kind,
                defaults={
                    "training_base": base,
                    "passed": True,
                    "assessed_on": today,
                    "score": Decimal("90"),
                },
            )
        if Certificate.objects.filter(person=person, course=course, status="valid").exists():
            continue
        try:
            certificate_issue_training(
                actor=staff.user, person=person, course=course, training_base=base
            )
        except CertificateRefused as exc:
            log(f"# demo certificate refused for person {person.pk}: {exc.reasons}")
    worker = Person.objects.filter(user__email=DEMO_WORKER).first()
    for number, person in (
        ("DEMO-SL-0001", Person.objects.order_by("pk").first()),
        ("DEMO-SL-0002", worker),
    ):
        if person and not Certificate.objects.filter(kind="skill_level", person=person).exists():
            certificate_record_skill_level(
                actor=staff.user,
                person=person,
                occupation="4-10-01-03",
                level=4,
                external_number=number,
                issuer_name="云南省职业技能鉴定中心",
                issue_date=today - dt.timedelta(days=60),
            )
    log(f"certificates: {Certificate.objects.count()}")
