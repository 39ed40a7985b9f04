"""Demo step: the demo worker's subsidy applications (D-29) — one submitted, one under public
notice — when they hold a valid certificate with an eligible subsidy. Idempotent: does nothing
once the worker has any live application; skips when there are no certificates."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from certification.models import Person
from certification.models.subsidies import ApplicationStatus as S
from certification.models.subsidies import SubsidyApplication
from certification.selectors import subsidies as sel
from certification.services import subsidies as svc
from cms.demo import demo_step
from cms.models import User


@demo_step(70, "subsidies")
def load_subsidies(log) -> None:

    person = (
        Person.objects.filter(user__email="worker@demo.carecert.cn").select_related("user").first()
    )
    if person is None or not person.certificates.filter(status="valid").exists():
        log("subsidies: skipped (demo worker has no valid certificate)")
        return
    live = SubsidyApplication.objects.filter(person=person).exclude(
        status__in=[S.DRAFT, S.WITHDRAWN, S.REJECTED]
    )
    if live.exists():
        log(f"subsidies: demo worker already has {live.count()} application(s)")
        return
    reviewer = User.objects.filter(email="hr@demo.carecert.cn").first()
    made = []
    for row in sel.eligibility_matrix(person=person, on=timezone.localdate()):
        if len(made) == 2:
            break
        if not row["eligible"] or row["amount"] is None:
            continue
        try:
            made.append(
                svc.application_apply(
                    actor=person.user,
                    person=person,
                    certificate=row["certificate"],
                    subsidy_type=row["subsidy_type"],
                    pledge_confirmed=True,
                )
            )
        except ValidationError as exc:  # an earlier demo application used the slot
            log(f"subsidies: {row['label']} refused: {'；'.join(exc.messages)}")
    if len(made) == 2 and reviewer is not None:
        try:
            svc.application_review(
                actor=reviewer, application=made[1], approve=True, reason="材料齐全（演示）"
            )
        except Exception as exc:  # noqa: BLE001 — reviewer out of region: keep it submitted
            log(f"subsidies: notice step skipped: {exc}")
    log(f"subsidies: {len(made)} demo application(s) for the demo worker")
