"""Reads of rule tables: which row is in force for a region on a date (DOMAIN preamble).

The answers are cached per region (issue 18: every heartbeat and compliance answer looks them
up). Each process keeps them in memory under a version token held in the shared cache; any
change to a LearningPolicy or RequirementRule row replaces the token (`rules_changed`, called by
certification.services.policies and by the model signals below, once at the change and again at
commit), so every process reads the tables again on its next lookup. A short TTL is the net for
a change that bypasses both (raw SQL, a data migration).
"""

import datetime
import threading
import time
import uuid
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from certification.models import LearningPolicy, RequirementRule

_VERSION_KEY = "rules:version"
MEMO_TTL_SECONDS = 300
_MEMO_MAX = 10_000
_memo_lock = threading.Lock()
_memo: dict = {"token": None, "rows": {}}

# Used only when no LearningPolicy row exists at all (fresh database before the seed migration).
DEFAULT_LEARNING_POLICY = LearningPolicy(
    region=None,
    effective_from=datetime.date(2021, 1, 1),
    minutes_per_class_hour=45,
    daily_cap_hours=Decimal("7"),
    programme_start=datetime.date(2021, 1, 1),
    reminder_days=[180, 90, 30],
    note="built-in default (D-7)",
)


def _region_codes(region) -> list[str]:
    """The region's own code first, then its ancestors' (from the materialised path)."""
    if region is None:
        return []
    path = region.path or f"{region.code}/"
    return [c for c in reversed(path.strip("/").split("/")) if c]


def _bump() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def rules_changed() -> None:
    """A rule or policy row changed: drop every process's cached answers, now (this
    transaction's own lookups) and again at commit (a process that re-read the old rows in
    between must read again)."""
    _bump()
    transaction.on_commit(_bump)


def _on_row_change(sender, **kwargs) -> None:
    rules_changed()


# Direct saves (tests, the shell, admin) invalidate too; the services call rules_changed()
# themselves for their queryset updates, which send no signal.
for _model in (LearningPolicy, RequirementRule):
    post_save.connect(_on_row_change, sender=_model, dispatch_uid=f"rules-cache-{_model.__name__}")
    post_delete.connect(
        _on_row_change, sender=_model, dispatch_uid=f"rules-cache-del-{_model.__name__}"
    )


def _version() -> str:
    token = cache.get(_VERSION_KEY)
    if token is None:  # first use, or the cache lost it: a new token is a clean start
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(_VERSION_KEY)
    return token


def _cached(key: tuple, compute):
    """`compute()` memoised under the current version token, for at most MEMO_TTL_SECONDS."""
    token = _version()
    now = time.monotonic()
    with _memo_lock:
        if _memo["token"] != token or len(_memo["rows"]) > _MEMO_MAX:
            _memo["token"], _memo["rows"] = token, {}
        hit = _memo["rows"].get(key)
    if hit is not None and now - hit[0] < MEMO_TTL_SECONDS:
        return hit[1]
    value = compute()
    with _memo_lock:
        if _memo["token"] == token:
            _memo["rows"][key] = (now, value)
    return value


def _code(region) -> str:
    return "" if region is None else region.pk


def learning_policy_for(region, on_date: datetime.date) -> LearningPolicy:
    """D-7/D-12: the LearningPolicy in force for `region` on `on_date`.

    The most specific region wins (own region, then its ancestors, then the national row with
    region NULL); among rows of one region the latest effective_from wins. Falls back to the
    built-in default only when no row at all exists. Cached per region and date (see above).
    """
    return _cached(
        ("learning", _code(region), on_date), lambda: _learning_policy_read(region, on_date)
    )


def _learning_policy_read(region, on_date: datetime.date) -> LearningPolicy:
    in_force = LearningPolicy.objects.filter(effective_from__lte=on_date).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on_date)
    )
    codes = _region_codes(region)
    rows = list(
        in_force.filter(Q(region_id__in=codes) | Q(region__isnull=True)).order_by(
            "-effective_from", "-id"
        )
    )
    for code in codes:
        for row in rows:
            if row.region_id == code:
                return row
    for row in rows:
        if row.region_id is None:
            return row
    if not LearningPolicy.objects.exists():
        return DEFAULT_LEARNING_POLICY
    # Rows exist but none is in force on this date: use the earliest national row's values.
    fallback = LearningPolicy.objects.filter(region__isnull=True).order_by("effective_from").first()
    return fallback or DEFAULT_LEARNING_POLICY


def requirement_rule_for(*, role: str, region, on_date: datetime.date):
    """D-6/D-15: the RequirementRule in force for `role` in `region` on `on_date`.

    The most specific region wins (own region, then ancestors, then the national row); among
    rows of one region the latest effective_from wins. A row whose effective_from is after
    `on_date` is not in force. Returns None when no rule applies (the role has no requirement).
    Cached per role, region and date (see above).
    """
    return _cached(
        ("requirement", role, _code(region), on_date),
        lambda: _requirement_rule_read(role=role, region=region, on_date=on_date),
    )


def _requirement_rule_read(*, role: str, region, on_date: datetime.date):
    codes = _region_codes(region)
    rows = list(
        RequirementRule.objects.filter(role=role, effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .filter(Q(region_id__in=codes) | Q(region__isnull=True))
        .order_by("-effective_from", "-id")
    )
    return most_specific_rule(rows, codes, on_date)


def rule_candidates(*, role: str, region) -> tuple[list, list[str]]:
    """Every RequirementRule that could apply to `role` in `region` on some date, newest first,
    and the region codes from `region` up; for most_specific_rule on many dates, one query
    (cached per role and region; the caller gets its own lists)."""
    rows, codes = _cached(
        ("candidates", role, _code(region)), lambda: _rule_candidates_read(role, region)
    )
    return list(rows), list(codes)


def _rule_candidates_read(role: str, region) -> tuple[list, list[str]]:
    codes = _region_codes(region)
    rows = list(
        RequirementRule.objects.filter(role=role)
        .filter(Q(region_id__in=codes) | Q(region__isnull=True))
        .order_by("-effective_from", "-id")
    )
    return rows, codes


def most_specific_rule(rows, codes: list[str], on_date: datetime.date):
    """The precedence of D-6 in one place: among `rows` (newest first) in force on `on_date`,
    the one of the most specific region (own, then ancestors, then national)."""
    in_force = [
        r
        for r in rows
        if r.effective_from <= on_date and (r.effective_to is None or r.effective_to >= on_date)
    ]
    for code in [*codes, None]:
        for row in in_force:
            if row.region_id == code:
                return row
    return None


def policy_rows_for_editor(*, table, scope, today: datetime.date) -> dict[str, list]:
    """The rows of a policy table an editor sees: their region subtrees', the regions' above
    them and the national rows, split into "in_force", "scheduled" and "ended" on `today`."""

    role = table.editor_role
    ancestors = {code for path in scope.paths(role) for code in path.strip("/").split("/") if code}
    rows = (
        table.model.objects.select_related("region")
        .filter(
            scope.region_q("region__path", role)
            | Q(region_id__in=ancestors)
            | Q(region__isnull=True)
        )
        .order_by(*table.key_fields, "region__path", "effective_from", "id")
    )
    parts: dict[str, list] = {"in_force": [], "scheduled": [], "ended": []}
    for row in rows:
        if row.effective_from > today:
            parts["scheduled"].append(row)
        elif row.effective_to is not None and row.effective_to < today:
            parts["ended"].append(row)
        else:
            parts["in_force"].append(row)
    return parts
