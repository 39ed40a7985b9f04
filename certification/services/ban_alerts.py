"""Alerts for ban hits (D-23): the regulators of the region where the check happened and of the
region that registered the ban are told, and so is the checking institution."""

from django.utils.translation import gettext as _

from certification.models import BanCheck, Notification


def ban_alert_for_check(*, check: BanCheck) -> None:
    """Notify the regulators of the checking region and of the registering region (one notice
    each; the same region once) and the checking organisation. The organisation's notice
    carries no ban details.

    Written in the check's own transaction with one INSERT (the regions come from the rows the
    check already holds); the dedupe keys make a repeat for the same check a no-op."""
    if check.ban_id is None:
        return
    ban_region_id = check.ban.region_id
    title = _("禁入核查%(what)s：%(purpose)s") % {
        "what": check.get_result_display(),
        "purpose": check.get_purpose_display(),
    }
    region_ids = [ban_region_id]
    checking_region_id = check.organisation.region_id if check.organisation_id else None
    if checking_region_id is not None and checking_region_id != ban_region_id:
        region_ids.append(checking_region_id)
    notices = [
        Notification(
            kind=Notification.Kind.BAN_ALERT,
            recipient_region_id=region_id,
            title=title,
            link=f"/bans/{check.ban_id}/",
            dedupe_key=f"ban-check:{check.pk}:regulator:{region_id}",
        )
        for region_id in region_ids
    ]
    if check.organisation_id and check.result == BanCheck.Result.HIT:
        notices.append(
            Notification(
                kind=Notification.Kind.BAN_ALERT,
                recipient_organisation_id=check.organisation_id,
                title=_("核查未通过：该人员不得从事托育服务，请联系卫生健康部门"),
                dedupe_key=f"ban-check:{check.pk}:organisation",
            )
        )
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
