from django.core.management.base import BaseCommand

from certification.services.outbox import outbox_deliver_due


class Command(BaseCommand):
    help = "立即推送到期的数据推送记录（D-40），按接收方依序发送；与定时任务同时运行也安全。"

    def add_arguments(self, parser):
        parser.add_argument("--receiver", type=int, default=None, help="只推送给这个接收方（编号）")

    def handle(self, *args, receiver, **options):
        totals = outbox_deliver_due(receiver_id=receiver)
        self.stdout.write(
            f"{totals['delivered']} delivered, {totals['failed']} failed (will retry), "
            f"{totals['dead']} dead-lettered"
        )
