"""`manage.py rotate_signing_key CODE`: retire a province's credential-signing key and make
the next one (yearly, or at once if a key may have leaked). The old key stays published, so
credentials it signed still verify; everything signed from now on uses the new key."""

from django.core.management.base import BaseCommand, CommandError

from certification.models import Region
from certification.services.credentials import signing_key_rotate


class Command(BaseCommand):
    help = "Rotate a province's credential-signing key (old keys stay published)."

    def add_arguments(self, parser):
        parser.add_argument("province", help="the province's GB/T 2260 code, e.g. 530000")

    def handle(self, *args, province, **options):
        region = Region.objects.filter(code=province, level=Region.Level.PROVINCE).first()
        if region is None:
            raise CommandError(f"no province with code {province}")
        key = signing_key_rotate(actor=None, province=region)
        self.stdout.write(f"{region.name}: new signing key {key.kid}")
