"""Alerts for ban hits (D-23): the regulators of the region where the check happened and of the
region that registered the ban are told, and so is the checking institution."""

from django.utils.translation import gettext as _

from certification.models import BanCheck, Notification, Region


def ban_alert_for_check(*, check_id: int) -> None:
    """Notify the regulators of the checking region and of the registering region (one notice
    each; the same region once) and the checking organisation. The organisation's notice
    carries no ban details."""
    check = BanCheck.objects.select_related("ban__region", "organisation").get(pk=check_id)
    if check.ban is None:
        return
    what = check.get_result_display()
    regions = [check.ban.region]
    checking = Region.objects.filter(path=check.region_path).first() if check.region_path else None
    if checking is not None and checking != check.ban.region:
        regions.append(checking)
    for region in regions:
        Notification.objects.get_or_create(
            dedupe_key=f"ban-check:{check.pk}:regulator:{region.pk}",
            defaults={
                "kind": Notification.Kind.BAN_ALERT,
                "recipient_region": region,
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
