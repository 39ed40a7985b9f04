from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo import DEMO_PASSWORD, demo_steps


class Command(BaseCommand):
    help = "Load the demo data set (idempotent): regions, organisations, people, courses, accounts."

    def handle(self, *args, **options):
        for step in demo_steps():
            self.stdout.write(f"· {step.name}")
            with transaction.atomic():
                step.func(lambda msg: self.stdout.write(f"    {msg}"))
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Demo password: {DEMO_PASSWORD}"))
