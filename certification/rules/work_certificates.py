"""D-37 持证上岗: whether a newly hired caregiver or director must hold a valid training or
skill-level certificate, and by when. Pure: the caller passes the rule in force, the
employment's start date and the person's certificates.

The grace period runs from the employment's start date for N calendar months; month ends clamp
(31 August + 6 months = 28/29 February). The deadline itself is still inside the grace period;
the day after it the person is past the grace period. Staff hired long before a region turns
the rule on are past it at once (the deadline does not move when a rule is revised).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Certificate
from certification.rules.subsidies import add_months
from cms.choices import WorkerRole

NOT_REQUIRED = "not_required"
WITHIN_GRACE = "within_grace"
HOLDS = "holds"
PAST_GRACE = "past_grace"

STATUS_LABELS = {
    NOT_REQUIRED: gettext_lazy("不要求"),
    WITHIN_GRACE: gettext_lazy("期限内"),
    HOLDS: gettext_lazy("已持有效证书"),
    PAST_GRACE: gettext_lazy("已超期"),
}


@dataclass(frozen=True)
class RuleTerms:
    """What a WorkCertificateRule row says (a row or None is also accepted by the functions)."""

    required: bool
    grace_months: int
    accepts_training: bool = True
    accepts_skill_level: bool = True


@dataclass(frozen=True)
class CertificateFacts:
    kind: str
    issue_date: dt.date
    # For a training certificate: whether its course is one for the role (or for all staff).
    for_role: bool = False
    revoked_on: dt.date | None = None
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class WorkCertificateStatus:
    status: str
    deadline: dt.date | None = None

    @property
    def past_since(self) -> dt.date | None:
        """The first day past the grace period."""
        if self.status != PAST_GRACE or self.deadline is None:
            return None
        return self.deadline + dt.timedelta(days=1)


def grace_deadline(*, start_date: dt.date, rule) -> dt.date:
    """The last day of the grace period."""
    return add_months(start_date, rule.grace_months)


def certificate_counts(cert: CertificateFacts, *, rule, on_date: dt.date) -> bool:
    """A certificate of an accepted kind that is valid on `on_date`: issued by then, not
    revoked on or before it, not expired."""
    if cert.kind == Certificate.Kind.TRAINING:
        accepted = rule.accepts_training and cert.for_role
    elif cert.kind == Certificate.Kind.SKILL_LEVEL:
        accepted = rule.accepts_skill_level
    else:
        accepted = False
    return (
        accepted
        and cert.issue_date <= on_date
        and (cert.revoked_on is None or cert.revoked_on > on_date)
        and (cert.expires_on is None or cert.expires_on >= on_date)
    )


def work_certificate_status(
    *,
    rule,
    start_date: dt.date,
    certificates: Iterable[CertificateFacts],
    on_date: dt.date,
) -> WorkCertificateStatus:
    if rule is None or not rule.required:
        return WorkCertificateStatus(NOT_REQUIRED)
    deadline = grace_deadline(start_date=start_date, rule=rule)
    if any(certificate_counts(c, rule=rule, on_date=on_date) for c in certificates):
        return WorkCertificateStatus(HOLDS, deadline)
    if on_date <= deadline:
        return WorkCertificateStatus(WITHIN_GRACE, deadline)
    return WorkCertificateStatus(PAST_GRACE, deadline)


def accepted_kinds_text(rule) -> str:
    kinds = []
    if rule.accepts_training:
        kinds.append(_("培训合格证书"))
    if rule.accepts_skill_level:
        kinds.append(_("职业技能等级证书"))
    return _("或").join(kinds)


def rule_summary(*, role: str, rule) -> str:
    """A required rule in one sentence."""
    return _("本地区要求%(role)s入职%(months)s个月内取得%(kinds)s。") % {
        "role": dict(WorkerRole.choices).get(role, role),
        "months": rule.grace_months,
        "kinds": accepted_kinds_text(rule),
    }


def requirement_message(*, role: str, rule, status: WorkCertificateStatus) -> str:
    """What the hiring page and API say about the newcomer (D-37)."""
    role_label = dict(WorkerRole.choices).get(role, role)
    if status.status == NOT_REQUIRED:
        return _("本地区对%(role)s未要求持证上岗。") % {"role": role_label}
    if status.status == HOLDS:
        return _("本地区要求%(role)s持证上岗；该人员已持有有效的%(kinds)s。") % {
            "role": role_label,
            "kinds": accepted_kinds_text(rule),
        }
    values = {
        "role": role_label,
        "months": rule.grace_months,
        "kinds": accepted_kinds_text(rule),
        "deadline": date_format(status.deadline, "DATE_FORMAT"),
    }
    if status.status == WITHIN_GRACE:
        return (
            _("本地区要求%(role)s入职%(months)s个月内取得%(kinds)s，截止日期 %(deadline)s。")
            % values
        )
    return (
        _("本地区要求%(role)s入职%(months)s个月内取得%(kinds)s；已于 %(deadline)s 到期，尚未取得。")
        % values
    )
