"""The one ban check (D-22…D-24). Every gate calls `ban_gate`; it audits every check."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certification import pii
from certification.idnumbers import IdNumberError, mask_id_number, parse_id_number
from certification.models import BanCheck, BanEntry, Employment, Notification
from certification.selectors.bans import (
    ban_matching,
    bans_in_force,
    region_paths_due_for_recheck,
)
from certification.services.ban_alerts import ban_alert_for_check
from certification.services.employment_states import employment_flag_banned

BLOCKED_MESSAGE = gettext_noop("该人员不得从事托育服务，请联系卫生健康部门")


class PersonBanned(Exception):
    """A gate refused a banned person. The message carries no ban details (D-23)."""

    def __init__(self, check: BanCheck):
        super().__init__(_(BLOCKED_MESSAGE))
        self.check = check


@dataclass(frozen=True)
class BanCheckOutcome:
    check: BanCheck
    ban: BanEntry | None

    @property
    def is_hit(self) -> bool:
        return self.check.result == BanCheck.Result.HIT


@transaction.atomic
def ban_check(
    *,
    id_index: str,
    purpose: str,
    actor=None,
    actor_role: str = "",
    organisation=None,
    ip: str | None = None,
    name: str = "",
    birth_date: dt.date | None = None,
    id_masked: str = "",
) -> BanCheckOutcome:
    """D-23/D-24: look the keyed ID hash up in the register and write the audit row in the same
    transaction (if that write fails, the check fails). A same-name-and-birth-date entry with a
    different ID is recorded as a near match for human review, never a block.

    One lookup answers both questions (an exact entry wins over a near match), one INSERT is
    the audit row, and a hit or near match adds its alerts in the same transaction (one more
    INSERT), so a check costs two statements and a commit on a miss, three on a hit."""
    name = name.strip()
    ban, exact = ban_matching(
        id_index=id_index, name=name if birth_date else "", birth_date=birth_date
    )
    if ban is None:
        result = BanCheck.Result.CLEAR
    else:
        result = BanCheck.Result.HIT if exact else BanCheck.Result.NEAR_MATCH
    check = BanCheck.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=actor_role,
        purpose=purpose,
        id_index=id_index,
        result=result,
        ban=ban,
        organisation=organisation,
        region_path=organisation.region.path if organisation is not None else "",
        ip_address=ip,
        subject_name=name[:64] if id_masked else "",
        subject_id_masked=id_masked,
    )
    if result != BanCheck.Result.CLEAR:
        ban_alert_for_check(check=check)
    return BanCheckOutcome(check=check, ban=ban if result == BanCheck.Result.HIT else None)


def ban_gate(**kwargs) -> BanCheckOutcome:
    """Run `ban_check` and raise PersonBanned on a hit.

    Call it BEFORE opening the gated action's transaction, never inside it: an exception that
    leaves an atomic block rolls back everything written in it, and the audit row of a hit
    must survive the refused action (D-24)."""
    outcome = ban_check(**kwargs)
    if outcome.is_hit:
        raise PersonBanned(outcome.check)
    return outcome


def ban_recheck_due(*, today: dt.date | None = None) -> dict:
    """Beat, daily: the yearly re-check (D-23) of the regions whose re-check day, kept as a
    policy table by the regulators, has come (missed days are caught up within a week; each
    employment is checked once a year)."""
    today = today or timezone.localdate()
    paths = region_paths_due_for_recheck(today=today)
    if not paths:
        return {"checked": 0, "hits": 0, "regions": 0}
    return {**ban_yearly_recheck(region_paths=paths), "regions": len(paths)}


def ban_yearly_recheck(
    *, year: int | None = None, chunk: int = 5000, region_paths: list[str] | None = None
) -> dict:
    """D-23 yearly re-check of every active employment: one query joins active employments'
    person id_index against the bans in force; one BanCheck row (purpose YEARLY_RECHECK) is
    written per employment checked (bulk, in chunks). A hit flags the employment and alerts the
    institution and its region's regulators. Idempotent per year (notification dedupe keys and
    an existing YEARLY_RECHECK row for the employment's person this year are not re-written).
    `region_paths` limits it to institutions in those regions (exactly, not their subtrees)."""

    today = timezone.localdate()
    year = year or today.year

    ban_sq = (
        bans_in_force(on=today)
        .filter(id_index=OuterRef("person__id_index"))
        .order_by("-effective_date")
        .values("pk")[:1]
    )
    done_this_year = set(
        BanCheck.objects.filter(purpose="yearly_recheck", at__year=year).values_list(
            "id_index", "organisation_id"
        )
    )
    active = Employment.objects.filter(end_date__isnull=True)
    if region_paths is not None:
        active = active.filter(institution__region__path__in=region_paths)
    employments = (
        active.annotate(ban_id=Subquery(ban_sq))
        .values_list(
            "pk",
            "person__id_index",
            "institution_id",
            "institution__region__path",
            "institution__region_id",
            "ban_id",
        )
        .order_by("pk")
    )
    checked = hits = 0
    batch: list[BanCheck] = []
    hit_rows = []
    for pk, index, inst_id, path, region_id, ban_id in employments.iterator(chunk_size=chunk):
        if (index, inst_id) in done_this_year:
            continue
        batch.append(
            BanCheck(
                purpose="yearly_recheck",
                id_index=index,
                actor_role="system",
                result=BanCheck.Result.HIT if ban_id else BanCheck.Result.CLEAR,
                ban_id=ban_id,
                organisation_id=inst_id,
                region_path=path,
            )
        )
        if ban_id:
            hit_rows.append((pk, inst_id, region_id, ban_id))
        if len(batch) >= chunk:
            checked += _flush(batch)
    checked += _flush(batch)
    registered_in = dict(
        BanEntry.objects.filter(pk__in={row[3] for row in hit_rows}).values_list("pk", "region_id")
    )
    for pk, inst_id, region_id, ban_id in hit_rows:
        with transaction.atomic():
            employment_flag_banned(
                actor=None, employment_id=pk, reason=_(BLOCKED_MESSAGE), why="yearly_recheck"
            )
            Notification.objects.get_or_create(
                dedupe_key=f"ban-recheck:{year}:emp:{pk}:org",
                defaults={
                    "kind": Notification.Kind.BAN_ALERT,
                    "recipient_organisation_id": inst_id,
                    "title": _("年度复查：") + _(BLOCKED_MESSAGE),
                },
            )
            Notification.objects.get_or_create(
                dedupe_key=f"ban-recheck:{year}:emp:{pk}:region",
                defaults={
                    "kind": Notification.Kind.BAN_ALERT,
                    "recipient_region_id": region_id,
                    "title": _("年度复查发现辖区在职人员被列入禁入名单"),
                    "link": f"/bans/{ban_id}/",
                },
            )
            if registered_in.get(ban_id) not in (None, region_id):
                # The region that registered the ban learns where its subject now works.
                Notification.objects.get_or_create(
                    dedupe_key=f"ban-recheck:{year}:emp:{pk}:ban-region",
                    defaults={
                        "kind": Notification.Kind.BAN_ALERT,
                        "recipient_region_id": registered_in[ban_id],
                        "title": _("年度复查发现本地区登记的禁入人员在外地托育机构任职"),
                        "link": f"/bans/{ban_id}/",
                    },
                )
        hits += 1
    return {"checked": checked, "hits": hits}


def _flush(batch: list) -> int:
    n = len(batch)
    if n:
        with transaction.atomic():
            BanCheck.objects.bulk_create(batch)
        batch.clear()
    return n


def ban_check_id_number(
    *,
    id_type: str,
    id_number: str,
    name: str,
    purpose: str,
    actor=None,
    actor_role: str = "",
    organisation=None,
    ip: str | None = None,
) -> BanCheckOutcome:
    """D-23 check by a typed-in ID number (入职查询): validates the number (ValidationError
    with the specific reason), hashes it and runs `ban_check`. The number is never stored."""

    try:
        parsed = parse_id_number(id_type, id_number)
    except IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None
    return ban_check(
        id_index=pii.blind_index(parsed.number),
        purpose=purpose,
        actor=actor,
        actor_role=actor_role,
        organisation=organisation,
        ip=ip,
        name=name,
        birth_date=parsed.birth_date,
        id_masked=mask_id_number(parsed.number),
    )
