from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("认证与监管")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Models are loaded only now, so these imports cannot sit at the top of the module.
        from certification import signals  # noqa: F401, PLC0415  (login/lockout audit)
        from certification.api import auth  # noqa: F401, PLC0415  (API key cache invalidation)
        from certification.models import ImportJob  # noqa: PLC0415
        from certification.services import (  # noqa: PLC0415
            ban_register,
            health,
            skill_certificates,
            staff_roster,
        )
        from certification.services.imports import import_handler_register  # noqa: PLC0415

        import_handler_register(ImportJob.Kind.BANS, ban_register.IMPORT_HANDLER)
        import_handler_register(
            ImportJob.Kind.SKILL_CERTIFICATES, skill_certificates.IMPORT_HANDLER
        )
        import_handler_register(ImportJob.Kind.STAFF_ROSTER, staff_roster.IMPORT_HANDLER)
        import_handler_register(ImportJob.Kind.HEALTH_CHECKS, health.IMPORT_HANDLER)
