"""`manage.py verify_audit`: seal the rows due, recompute the keyed audit chain (D-33), check
the rows not yet in it, and check it against the signed checkpoints kept outside the table;
non-zero exit if anything is wrong.

`--checkpoint` first appends a checkpoint of the current head (backups do this before the
dump); `--checkpoints FILE` checks against another checkpoint file (restore checks against the
one saved with the dump); `--no-seal` checks without writing (e.g. on a replica): rows the
sealer has left unsealed for more than a few minutes are then reported."""

from django.core.management.base import BaseCommand, CommandError

from certification.audit import (
    audit_checkpoint_write,
    audit_unsealed_count,
    audit_verify,
    audit_verify_checkpoints,
)
from certification.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's keyed hash chain and its signed checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="store_true", help="append a checkpoint of the current head"
        )
        parser.add_argument("--checkpoints", help="checkpoint file (default AUDIT_CHECKPOINT_PATH)")
        parser.add_argument(
            "--no-seal", action="store_true", help="read only: do not seal the rows due first"
        )

    def handle(self, *args, checkpoint=False, checkpoints=None, no_seal=False, **options):
        problems = audit_verify(seal=not no_seal)
        if checkpoint and not problems:
            written = audit_checkpoint_write(checkpoints)
            self.stdout.write(f"checkpoint written: row #{written.last_id}, {written.rows} rows")
        latest, checkpoint_problems = audit_verify_checkpoints(checkpoints)
        problems += checkpoint_problems
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"audit chain broken: {len(problems)} problem(s)")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} rows")
        if unsealed := audit_unsealed_count():
            self.stdout.write(f"{unsealed} row(s) written but not sealed yet")
        if latest is None:
            self.stdout.write(
                "no checkpoint yet: truncation of the newest rows cannot be ruled out "
                "(run with --checkpoint, or let the hourly task write one)"
            )
        else:
            self.stdout.write(
                f"latest checkpoint {latest.at}: row #{latest.last_id} "
                f"({latest.last_hash[:16]}…), {latest.rows} rows — matches"
            )
