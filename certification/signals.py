"""Audit of authentication events (security baseline) and of refusals inside Celery tasks.
Receivers only record; no rules here."""

from allauth.account.signals import user_logged_in as allauth_logged_in  # noqa: F401
from axes.signals import user_locked_out
from celery.signals import task_failure
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from certification.audit import audit_record, audit_refusal_survive, client_ip


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user, ip=client_ip(request))


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user, ip=client_ip(request))


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # Record which login was tried, never the password.
    login = (credentials or {}).get("login") or (credentials or {}).get("email") or ""
    audit_record(
        actor=None,
        action="auth.login_failed",
        data={"login": str(login)[:128]},
        ip=client_ip(request),
    )


@receiver(user_locked_out)
def _audit_lockout(sender, request, username, ip_address, **kwargs):
    audit_record(
        actor=None, action="auth.locked_out", data={"login": str(username)[:128]}, ip=ip_address
    )


@task_failure.connect
def _audit_task_refusal(sender=None, exception=None, **kwargs):
    """A task refused inside its transaction keeps the refusal's audit row."""
    audit_refusal_survive(exception)
