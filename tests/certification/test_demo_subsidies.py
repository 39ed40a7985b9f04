"""The demo shows the subsidy workflow: the demo worker holds certificates before the subsidy
step runs, so the HR queue has a submitted application and the public notice lists one.
Loading the demo twice changes nothing."""

from django.urls import reverse

from certification.models import Certificate
from certification.models.subsidies import ApplicationStatus, SubsidyApplication
from certification.rules.certificates import mask_name
from cms.demo import demo_steps

NEEDED = {"regions, organisations, people and accounts", "learning", "certificates", "subsidies"}


def _load(log):
    for step in demo_steps():
        if step.name in NEEDED:
            step.func(log)


def test_the_demo_worker_has_a_queued_and_a_noticed_application(client, db):
    steps = [s.name for s in demo_steps()]
    assert steps.index("certificates") < steps.index("subsidies")
    logged = []
    _load(logged.append)
    apps = SubsidyApplication.objects.filter(person__user__email="worker@demo.carecert.cn")
    assert sorted(apps.values_list("status", flat=True)) == [
        ApplicationStatus.NOTICE,
        ApplicationStatus.SUBMITTED,
    ]
    worker_certs = Certificate.objects.filter(
        person__user__email="worker@demo.carecert.cn", status="valid"
    )
    assert set(worker_certs.values_list("kind", flat=True)) == {"training", "skill_level"}

    from cms.models import User

    client.force_login(User.objects.get(email="hr@demo.carecert.cn"))
    queue = client.get(reverse("certification:subsidy_review_queue")).content.decode()
    submitted = apps.get(status=ApplicationStatus.SUBMITTED)
    assert reverse("certification:subsidy_review", args=[submitted.pk]) in queue
    client.logout()
    notice = client.get(reverse("certification:subsidy_notice")).content.decode()
    noticed = apps.get(status=ApplicationStatus.NOTICE)
    assert f'name="application" value="{noticed.pk}"' in notice
    assert mask_name(noticed.person.name) in notice

    certificates = Certificate.objects.count()
    _load(logged.append)
    assert Certificate.objects.count() == certificates
    assert apps.count() == 2
