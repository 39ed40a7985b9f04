"""`manage.py verify_audit`: recompute the audit hash chain (D-33); non-zero exit if broken."""

from django.core.management.base import BaseCommand, CommandError

from certification.audit import audit_verify
from certification.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; lists broken rows and fails if any."

    def handle(self, *args, **options):
        problems = audit_verify()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"audit chain broken: {len(problems)} problem(s)")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} rows")
