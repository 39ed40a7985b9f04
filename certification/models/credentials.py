"""Signed credentials (issue 19, D-41): per-province signing keys and revocation status lists.

A certificate's Open Badges 3.0 credential is built and signed when asked for (Ed25519 is
deterministic: the same certificate and key give the same credential); what must persist is
the key, and the bit in the province's status list that says whether the credential still
stands.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# W3C Bitstring Status List: at least 16 KB (131,072 entries) so one bit says little about
# which certificate it belongs to.
STATUS_LIST_SIZE = 131_072


class SigningKey(models.Model):
    """A province's credential-signing key (Ed25519). The private JWK is stored encrypted with
    the PII keys (certification.pii); a retired key signs nothing new but stays published, so
    the credentials it signed still verify."""

    province = models.ForeignKey(
        "certification.Region", on_delete=models.PROTECT, related_name="signing_keys"
    )
    kid = models.CharField(_("密钥编号"), max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_jwk = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["province"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_signing_key_per_province",
            )
        ]

    def __str__(self):
        return self.kid


class StatusList(models.Model):
    """One province's revocation list: bit i (most significant bit first) set means the
    credential with statusListIndex i is revoked. Changed in the revocation's transaction."""

    province = models.OneToOneField(
        "certification.Region", on_delete=models.PROTECT, related_name="status_list"
    )
    bits = models.BinaryField()
    next_index = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"status list {self.province_id}"
