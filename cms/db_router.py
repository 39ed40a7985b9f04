"""Reads that tolerate a few seconds of lag may go to a streaming replica (issue 18).

A view opts in around the one query that may lag — the regulator's dashboard figures, the public
notice, the public verify look-up — with `with lag_tolerant_reads():`. Everything else reads
from the primary: access checks, sessions, anything a user has just written (read-your-writes),
and every read inside a transaction. Writes always go to the primary. Without
DATABASE_REPLICA_URL there is no replica alias and every read stays on the primary."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_lag_tolerant: ContextVar[bool] = ContextVar("lag_tolerant_reads", default=False)


@contextmanager
def lag_tolerant_reads():
    token = _lag_tolerant.set(True)
    try:
        yield
    finally:
        _lag_tolerant.reset(token)


class PrimaryReplicaRouter:
    def __init__(self):
        self.replica = REPLICA if REPLICA in settings.DATABASES else None

    def db_for_read(self, model, **hints):
        if (
            self.replica
            and _lag_tolerant.get()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return self.replica
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: same rows, same ids

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
