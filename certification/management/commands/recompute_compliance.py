from django.core.management.base import BaseCommand

from certification.services.compliance_recompute import compliance_recompute


class Command(BaseCommand):
    help = "按学时台账重建周期学时汇总，并报告每一处更正（D-12, D-13）。"

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, chunk_size, **options):
        result = compliance_recompute(chunk_size=chunk_size)
        for line in result.corrections:
            self.stdout.write(line)
        self.stdout.write(f"{result.checked} summaries checked, {len(result.corrections)} "
                          f"corrected ({result.created} created)")
