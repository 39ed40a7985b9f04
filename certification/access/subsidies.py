"""Who may see which subsidy application (D-29). Reviewers see their region subtree only;
others get 404 (the application's existence is not revealed)."""

from django.http import Http404

from certification.access import require_role
from certification.models import StaffRole
from certification.models.subsidies import SubsidyApplication


def access_application_for_review(user, application_id: int, request=None) -> SubsidyApplication:
    scope = require_role(user, StaffRole.HR_REVIEWER, request=request, action="subsidy.review")
    app = (
        SubsidyApplication.objects.filter(scope.region_q("region__path", StaffRole.HR_REVIEWER))
        .select_related("person", "certificate", "institution", "region")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise Http404
    return app


def access_own_application(user, application_id: int) -> SubsidyApplication:
    """The applicant's own application; anyone else's is a 404."""
    person = getattr(user, "person", None)
    app = (
        (
            SubsidyApplication.objects.filter(pk=application_id, person=person)
            .select_related("person", "certificate", "region")
            .first()
        )
        if person
        else None
    )
    if app is None:
        raise Http404
    return app
