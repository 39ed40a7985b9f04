from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("站点与课程内容")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # cms.mfa imports allauth's models, which exist only once the apps are loaded.
        from cms.mfa import staff_membership_changed  # noqa: PLC0415

        # By name: cms sits below certification and does not import it (cms/mfa.py).
        for signal in (post_save, post_delete):
            signal.connect(
                staff_membership_changed,
                sender="certification.StaffMembership",
                dispatch_uid=f"mfa-staff-{signal is post_save}",
            )
