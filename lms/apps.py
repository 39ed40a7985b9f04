from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("学习与培训")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Models are loaded only now; certification never imports lms, so lms registers here.
        from certification.models import ImportJob  # noqa: PLC0415
        from certification.services.imports import import_handler_register  # noqa: PLC0415
        from lms.services import roster_import  # noqa: PLC0415

        import_handler_register(ImportJob.Kind.ROSTER, roster_import.IMPORT_HANDLER)
