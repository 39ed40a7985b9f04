"""Demo certificates: a few training certificates and one skill-level record (idempotent).
Runs after the lms demo (order 30); skips when there are no courses yet."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cms.demo import demo_step


@demo_step(50, "certificates")
def demo_certificates(log) -> None:
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
    from cms.models import CoursePage

    course = CoursePage.objects.live().order_by("pk").first()
    staff = (StaffMembership.objects.filter(role="base_staff", is_active=True,
                                            organisation__isnull=False)
             .select_related("user", "organisation").first())
    if course is None or staff is None:
        log("# certificates demo skipped: no courses or base staff yet")
        return
    base: Organisation = staff.organisation
    today = timezone.localdate()
    acc = Accreditation.objects.filter(training_base=base, courses=course).first()
    if acc is None:
        acc = Accreditation.objects.create(training_base=base, valid_from=today.replace(month=1,
                                           day=1), valid_to=today + dt.timedelta(days=730),
                                           document_number="演示-2026-01")
        acc.courses.add(course)
    for person in Person.objects.order_by("pk")[:3]:
        for kind, hours in (("theory", course.theory_hours), ("practice", course.practice_hours)):
            if hours and hours > 0:
                HourEntry.objects.get_or_create(
                    external_ref=f"demo:cert:{course.pk}:{person.pk}:{kind}",
                    defaults={"person": person, "date": today, "hours": Decimal(hours),
                              "kind": kind, "source": "offline", "course": course,
                              "training_base": base})
        for kind in ("theory", "practical"):
            AssessmentResult.objects.get_or_create(
                person=person, course=course, kind=kind,
                defaults={"training_base": base, "passed": True, "assessed_on": today,
                          "score": Decimal("90")})
        if Certificate.objects.filter(person=person, course=course, status="valid").exists():
            continue
        try:
            certificate_issue_training(actor=staff.user, person=person, course=course,
                                       training_base=base)
        except CertificateRefused as exc:
            log(f"# demo certificate refused for person {person.pk}: {exc.reasons}")
    person = Person.objects.order_by("pk").first()
    if person and not Certificate.objects.filter(kind="skill_level", person=person).exists():
        certificate_record_skill_level(
            actor=staff.user, person=person, occupation="4-10-01-03", level=4,
            external_number="DEMO-SL-0001", issuer_name="云南省职业技能鉴定中心",
            issue_date=today - dt.timedelta(days=60))
