"""Alerts for ban hits (D-23): the region's regulators and the institution are told."""

from django.utils.translation import gettext as _

from certification.models import BanCheck, Notification


def ban_alert_for_check(*, check_id: int) -> None:
    """Notify the regulators of the check's region (or the ban's region) and the checking
    organisation. The organisation's notice carries no ban details."""
    check = BanCheck.objects.select_related("ban__region", "organisation").get(pk=check_id)
    if check.ban is None:
        return
    what = check.get_result_display()
    Notification.objects.get_or_create(
        dedupe_key=f"ban-check:{check.pk}:regulator",
        defaults={
            "kind": Notification.Kind.BAN_ALERT,
            "recipient_region": check.ban.region,
            "title": _("禁入核查%(what)s：%(purpose)s")
            % {"what": what, "purpose": check.get_purpose_display()},
            "link": f"/bans/{check.ban_id}/",
        },
    )
    if check.organisation is not None and check.result == BanCheck.Result.HIT:
        Notification.objects.get_or_create(
            dedupe_key=f"ban-check:{check.pk}:organisation",
            defaults={
                "kind": Notification.Kind.BAN_ALERT,
                "recipient_organisation": check.organisation,
                "title": _("核查未通过：该人员不得从事托育服务，请联系卫生健康部门"),
            },
        )
