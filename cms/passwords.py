"""Password rules beyond Django's own: a generous maximum, staff complexity and history."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models.users import PasswordHistory


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("密码不能超过 %(n)d 个字符。") % {"n": self.max_length}, code="password_too_long"
            )

    def get_help_text(self):
        return _("密码最长 %(n)d 个字符。") % {"n": self.max_length}


def _is_staff_user(user) -> bool:
    if user is None:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.pk is None:
        return False
    return user.staff_memberships.exists()


class StaffComplexityValidator:
    """Staff passwords need 3 of 4 character classes (upper, lower, digit, symbol)."""

    def validate(self, password, user=None):
        if not _is_staff_user(user):
            return
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类。"),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类。")


class PasswordHistoryValidator:
    """Staff may not reuse one of their last PASSWORD_HISTORY_COUNT passwords."""

    def validate(self, password, user=None):
        if not _is_staff_user(user) or user.pk is None:
            return
        count = settings.PASSWORD_HISTORY_COUNT
        # Each change stores the new hash, so the newest `count` rows are the last `count`
        # passwords (the current one included); user.password covers users with no history yet.
        history = user.password_history.order_by("-id").values_list("password_hash", flat=True)
        recent = [user.password, *history[:count]]
        if any(encoded and check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                _("不能使用最近 %(n)d 次用过的密码。") % {"n": count}, code="password_reused"
            )

    def password_changed(self, password, user=None):

        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password_hash=user.password)
        user.password_changed_at = timezone.now()
        type(user).objects.filter(pk=user.pk).update(password_changed_at=user.password_changed_at)

    def get_help_text(self):
        return _("工作人员不能重复使用最近用过的密码。")
