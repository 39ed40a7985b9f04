from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """D-1: a GB/T 2260 administrative division. Staff scopes are a region and its subtree."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")

    code = models.CharField(_("行政区划代码"), primary_key=True, max_length=6)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Ancestor codes and own code joined by "/" ("530000/530100/530102/"): a subtree is one
    # indexed prefix query (scope filters on every list page need it).
    path = models.CharField(max_length=32, db_index=True)
    is_active = models.BooleanField(_("现行"), default=True)
    version = models.CharField(_("代码版本"), max_length=16, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # path is derived data; keep it consistent with parent wherever a region is written.
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)
