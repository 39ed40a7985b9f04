"""The demo province's supervision dashboard counts every employed director and caregiver,
including those who have not logged an hour yet (their cycle summary exists from hiring)."""

import re

from django.urls import reverse

from certification.models import Employment
from cms.choices import WorkerRole
from cms.demo import demo_steps
from cms.models import User


def test_the_demo_province_dashboard_counts_every_employed_worker(client, db):
    for step in demo_steps():
        if step.name == "regions, organisations, people and accounts":
            step.func(lambda _msg: None)
    employed = (
        Employment.objects.filter(
            end_date__isnull=True,
            role__in=[WorkerRole.DIRECTOR, WorkerRole.CAREGIVER],
            institution__region__path__startswith="530000/",  # the demo regulator's province
        )
        .values("person", "role")
        .distinct()
        .count()
    )
    assert employed >= 5
    client.force_login(User.objects.get(email="reg@demo.carecert.cn"))
    body = client.get(reverse("certification:regulator_dashboard")).content.decode()
    shown = re.search(r"人员周期状态 · (\d+) 人次", body)
    assert shown and int(shown.group(1)) == employed


def test_demo_staff_arrive_with_a_verified_address(db):
    from allauth.account.models import EmailAddress

    for step in demo_steps():
        if step.name == "regions, organisations, people and accounts":
            step.func(lambda _msg: None)
    regulator = User.objects.get(email="reg@demo.carecert.cn")
    assert EmailAddress.objects.get(user=regulator).verified
