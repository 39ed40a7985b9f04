import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Append-only tables refuse bulk update/delete in the model layer too (and by trigger on
    PostgreSQL), so a stray `.update()` in code fails loudly instead of rewriting history."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only")


def append_only_triggers():
    return [
        pgtrigger.Protect(name="append_only_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name="append_only_no_delete", operation=pgtrigger.Delete),
    ]


# The sealer's one permitted UPDATE (certification/audit.py, audit_seal): an unsealed row gets
# its place in the chain (seq, prev_hash, hash) once, NULL -> value, and nothing else changes.
# Every other UPDATE (content, a re-seal, unsealing) is refused like before.
_SEALING_ONLY = (
    "OLD.seq IS NULL AND OLD.hash IS NULL AND OLD.prev_hash IS NULL"
    " AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL"
    " AND (to_jsonb(OLD) - 'seq' - 'hash' - 'prev_hash')"
    " = (to_jsonb(NEW) - 'seq' - 'hash' - 'prev_hash')"
)


class AuditEvent(AppendOnlyModel):
    """D-33: who did what, when. Appended freely by `audit_record` with a keyed MAC of the row
    (`mac`); the sealer then chains committed rows in order (`seq`, each row's `hash` covering
    the previous row's), so a row changed by raw SQL breaks its MAC or the chain
    (`manage.py verify_audit`)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Region path of the object, so a regulator's audit view can be scoped to its subtree.
    region_path = models.CharField(max_length=32, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Keyed MAC of the row written with it: the sealer chains only rows the application wrote.
    # Empty on rows sealed before issue 18 (their chain covers them).
    mac = models.CharField(max_length=64, blank=True, default="")
    # Set once by the sealer: position in the chain (1, 2, 3, … without gaps), link, hash.
    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        triggers = [
            pgtrigger.Protect(
                name="append_only_no_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(f"NOT ({_SEALING_ONLY})"),
            ),
            pgtrigger.Protect(name="append_only_no_delete", operation=pgtrigger.Delete),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),  # history of one object
            # The sealer's queue: only the rows still waiting, so it stays small.
            models.Index(fields=["id"], name="audit_unsealed", condition=models.Q(seq=None)),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
