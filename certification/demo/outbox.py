"""Demo step: the push to the national system (D-40). A receiver on this machine where nothing
listens stands in for it, so the outbox page (/manage/outbox/, admin@demo.carecert.cn) shows a
failing delivery with its error, retried with back-off and dead-lettered after the last
attempt. Changes made before this step are not pushed: a receiver gets events from when it is
added. Skipped where plain http to this machine is not allowed (outside dev)."""

import datetime as dt

from django.conf import settings

from certification.idnumbers import build_resident_id
from certification.models import Delivery, DeliveryStatus, EventType, Receiver, Region
from certification.services.outbox import receiver_create
from certification.services.people import person_create, person_find_by_id_number
from cms.demo import demo_step
from cms.models import User

NAME = "全国托育服务信息管理系统（演示）"
UNREACHABLE = "http://127.0.0.1:9/api/events"  # the discard port: refused at once


@demo_step(95, "outbox")
def load_outbox(log) -> None:
    if not settings.OUTBOX_ALLOW_LOOPBACK_HTTP:
        log("outbox: skipped (OUTBOX_ALLOW_LOOPBACK_HTTP is off)")
        return
    admin = User.objects.filter(email="admin@demo.carecert.cn").first()
    if not Receiver.objects.filter(name=NAME).exists():
        receiver_create(
            actor=admin,
            name=NAME,
            url=UNREACHABLE,
            secret="demo-outbox-secret-not-for-production",  # noqa: S106 - demo data
            event_types=list(EventType.values),
        )
    number = build_resident_id("530102", dt.date(1994, 6, 1), 998)
    if person_find_by_id_number(id_type="resident", id_number=number) is None:
        person_create(
            actor=admin,
            id_type="resident",
            id_number=number,
            name="钱推送",
            region=Region.objects.filter(code="530102").first(),
        )
    waiting = Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).count()
    log(
        f"outbox: {Receiver.objects.count()} receiver(s), {waiting} delivery(ies) not yet delivered"
    )
