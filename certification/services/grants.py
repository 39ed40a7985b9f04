"""Staff roles given by invitation (issue 15). The grant's state machine lives here: request →
(second approval) → invitation → acceptance → membership; reject and revoke end it. Every move
is audited; a move the state does not allow changes nothing (TransitionNotAllowed)."""

import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.access import deny
from certification.access.administration import access_grant_for_approval, require_can_grant
from certification.audit import audit_record
from certification.models import SECOND_APPROVAL_ROLES, RoleGrant, StaffMembership
from certification.services.subsidies import TransitionNotAllowed
from cms.accounts import INVALID_PHONE, normalize_cn_mobile
from cms.sms import sms_send

G = RoleGrant.Status
# Invitations are valid this long after they are sent.
INVITATION_DAYS = 14


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _region_path(grant: RoleGrant) -> str:
    return (grant.region or grant.organisation.region).path


def _audit(actor, action: str, grant: RoleGrant, ip=None, **data) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=grant,
        ip=ip,
        region_path=_region_path(grant),
        data={"role": grant.role, "address": grant.address, **data},
    )


def _locked(grant_id: int) -> RoleGrant:
    return (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("organisation__region", "region")
        .get(pk=grant_id)
    )


def grant_request(
    *,
    actor,
    email: str,
    display_name: str,
    role: str,
    organisation=None,
    region=None,
    phone: str = "",
    ip=None,
) -> RoleGrant:
    """Ask for a role for someone. Roles of SECOND_APPROVAL_ROLES wait for a second
    administrator; the others are sent at once. A pending or live grant of the same role and
    scope for the same address is returned instead of a second one (double submit)."""
    # Checked before the write transaction: a refusal's audit row must not roll back with it.
    require_can_grant(actor, role=role, organisation=organisation, region=region)
    email = (email or "").strip().lower()
    display_name = (display_name or "").strip()
    if phone:
        phone = normalize_cn_mobile(phone)
        if phone is None:
            raise ValidationError({"phone": INVALID_PHONE})
    if not display_name or not (email or phone):
        raise ValidationError(_("请填写被邀请人的姓名，以及邮箱或手机号。"))
    with transaction.atomic():
        return _grant_create(
            actor=actor,
            email=email,
            display_name=display_name,
            role=role,
            organisation=organisation,
            region=region,
            phone=phone,
            ip=ip,
        )


def _grant_create(*, actor, email, display_name, role, organisation, region, phone, ip):
    existing = RoleGrant.objects.filter(
        **({"email": email} if email else {"email": "", "phone": phone}),
        role=role,
        organisation=organisation,
        region=region,
        status__in=[G.PENDING_APPROVAL, G.INVITED, G.ACCEPTED],
    ).first()
    if existing is not None:
        return existing
    grant = RoleGrant.objects.create(
        email=email,
        display_name=display_name,
        phone=phone or "",
        role=role,
        organisation=organisation,
        region=region,
        requested_by=actor,
        status=G.PENDING_APPROVAL if role in SECOND_APPROVAL_ROLES else G.INVITED,
    )
    _audit(actor, "grant.request", grant, ip, status=grant.status)
    if grant.status == G.INVITED:
        _send_invitation(grant)
    return grant


def grant_approve(*, actor, grant_id: int, ip=None, request=None) -> RoleGrant:
    """The second administrator's approval; the requester is refused (audited) by access."""
    access_grant_for_approval(actor, grant_id, request=request)
    with transaction.atomic():
        grant = _locked(grant_id)
        if grant.status != G.PENDING_APPROVAL:
            raise TransitionNotAllowed(_("该授权不在待复核状态。"))
        grant.status = G.INVITED
        grant.approved_by = actor
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "approved_by", "decided_at"])
        _audit(actor, "grant.approve", grant, ip)
        _send_invitation(grant)
    return grant


def grant_reject(*, actor, grant_id: int, reason: str, ip=None, request=None) -> RoleGrant:
    access_grant_for_approval(actor, grant_id, request=request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写不予通过的理由。"))
    with transaction.atomic():
        grant = _locked(grant_id)
        if grant.status != G.PENDING_APPROVAL:
            raise TransitionNotAllowed(_("该授权不在待复核状态。"))
        grant.status = G.REJECTED
        grant.approved_by = actor
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "approved_by", "decided_at"])
        _audit(actor, "grant.reject", grant, ip, reason=reason[:200])
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant, ip=None) -> RoleGrant:
    """Take a role back (the caller checked access.administration.access_grant): the
    membership stops at once; an unused invitation link stops working."""
    grant = _locked(grant.pk)
    if grant.status in (G.REJECTED, G.REVOKED):
        raise TransitionNotAllowed(_("该授权已结束。"))
    if grant.membership_id:
        StaffMembership.objects.filter(pk=grant.membership_id).update(is_active=False)
    grant.status = G.REVOKED
    grant.token_hash = None
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "token_hash", "decided_at"])
    _audit(actor, "grant.revoke", grant, ip)
    return grant


def _send_invitation(grant: RoleGrant) -> None:
    token = secrets.token_urlsafe(32)
    grant.token_hash = _token_hash(token)
    grant.invited_at = timezone.now()
    grant.save(update_fields=["token_hash", "invited_at"])
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "certification:invitation_accept", args=[token]
    )
    subject = _("CareCert 工作人员账号邀请")
    body = _(
        "%(name)s，您好：\n\n您被授予 CareCert 平台“%(role)s”角色（%(scope)s）。"
        "请在 %(days)s 天内打开以下链接设置密码并启用两步验证：\n%(link)s\n"
    ) % {
        "name": grant.display_name,
        "role": grant.get_role_display(),
        "scope": grant.scope_label,
        "days": INVITATION_DAYS,
        "link": link,
    }
    if grant.email:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [grant.email])
        )
    else:
        transaction.on_commit(lambda: sms_send(grant.phone, body))


def invitation_for_token(token: str) -> RoleGrant | None:
    """The live invitation a link names, or None (unknown, used, revoked or expired)."""
    grant = (
        RoleGrant.objects.select_related("organisation", "region")
        .filter(token_hash=_token_hash(token or ""), status=G.INVITED)
        .first()
    )
    if grant is None or grant.invited_at is None:
        return None
    if (timezone.now() - grant.invited_at).days >= INVITATION_DAYS:
        return None
    return grant


@transaction.atomic
def invitation_accept(*, token: str, user=None, password: str = "", email: str = "", ip=None):
    """Accept an invitation: as the signed-in user whose e-mail (or mobile number) it names, or
    by creating the account with `password` — the address the link went to is verified by the
    link itself; an invitation sent by SMS also asks for the e-mail address the account signs
    in with. Returns the user."""
    grant = invitation_for_token(token)
    if grant is None:
        raise ValidationError(_("邀请链接无效、已使用或已过期，请联系管理员重新邀请。"))
    grant = _locked(grant.pk)
    if grant.status != G.INVITED:
        raise ValidationError(_("邀请链接无效、已使用或已过期，请联系管理员重新邀请。"))
    User = get_user_model()
    if user is not None and getattr(user, "is_authenticated", False):
        if not _names_user(grant, user):
            deny(user, action="grant.accept_other_address", obj=grant)
    else:
        user = _account_for_invitation(grant, User, password=password, email=email)
    membership, _created = StaffMembership.objects.get_or_create(
        user=user, role=grant.role, organisation=grant.organisation, region=grant.region
    )
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    grant.status = G.ACCEPTED
    grant.membership = membership
    grant.token_hash = None
    grant.save(update_fields=["status", "membership", "token_hash"])
    _audit(user, "grant.accept", grant, ip)
    return user


def _names_user(grant: RoleGrant, user) -> bool:
    if grant.email:
        return user.email.lower() == grant.email
    return bool(user.phone) and user.phone == grant.phone


def _account_for_invitation(grant: RoleGrant, User, *, password: str, email: str):
    """The new account of an invitee who has none; refused if the address already has one."""
    email = (grant.email or email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("请填写用于登录的邮箱。")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("该邮箱已有账号，请先登录再打开邀请链接。"))
    if grant.phone and User.objects.filter(phone=grant.phone).exists():
        if not grant.email:
            raise ValidationError(_("该手机号已有账号，请先登录再打开邀请链接。"))
        phone = None  # the number is another account's: the e-mail invitation does not take it
    else:
        phone = grant.phone or None
    user = User(
        email=email,
        display_name=grant.display_name,
        phone=phone,
        phone_verified=bool(phone) and not grant.email,  # the SMS link proves the number
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from None
    user.set_password(password)
    user.save()
    # An e-mail typed in on an SMS invitation is unverified until allauth confirms it.
    EmailAddress.objects.create(user=user, email=email, verified=bool(grant.email), primary=True)
    return user
