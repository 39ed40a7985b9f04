"""Keeps per-person-role-cycle summaries current (D-12, D-13). Filled in by the compliance work;
the ledger and employment services call these hooks in their transactions."""


def compliance_on_hour_entry(*, entry) -> None:
    """Called in the ledger-posting transaction for each new HourEntry."""


def compliance_on_employment_change(*, person) -> None:
    """Called when a person's employments change (new role, new anchor)."""
