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


class AuditEvent(AppendOnlyModel):
    """D-33: who did what, when. Hash-chained (each row's hash covers the previous row's), so a
    row changed by raw SQL breaks the chain (`manage.py verify_audit`)."""

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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["object_type", "object_id"])]  # history of one object

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
