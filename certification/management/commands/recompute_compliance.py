from django.core.management.base import BaseCommand

from certification.services.compliance_recompute import compliance_recompute
from certification.tasks.compliance import recompute_compliance


class Command(BaseCommand):
    help = "按学时台账重建周期学时汇总，并报告每一处更正（D-12, D-13）。"

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=10000)
        parser.add_argument(
            "--background", action="store_true", help="交给 Celery 任务执行（进度见任务日志与缓存）"
        )

    def handle(self, *args, chunk_size, background, **options):
        if background:
            result = recompute_compliance.delay(chunk_size=chunk_size)
            self.stdout.write(f"enqueued task {result.id}")
            return
        printed = 0

        def progress(done, total, result):
            nonlocal printed
            for line in result.corrections[printed:]:
                self.stdout.write(line)
            printed = len(result.corrections)
            self.stderr.write(f"{done}/{total} people, {printed} corrected")

        result = compliance_recompute(chunk_size=chunk_size, progress=progress)
        self.stdout.write(
            f"{result.checked} summaries checked, {len(result.corrections)} "
            f"corrected ({result.created} created, "
            f"{result.statements_enqueued} statements enqueued)"
        )
