"""Login throttling (django-axes, configured in config/settings/base.py): the client
address, the lockout page, and the audit entry written when a client is locked out."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from .audit import log_action
from .models import AuditEntry, User

LOCKED_OUT = "society.login.locked_out"


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that each append the address they
    saw to X-Forwarded-For, the entry the outermost one appended. Entries to its left were
    sent by the client and may be forged."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page, for the site's and the admin's login alike (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    """One audit entry per lockout: later attempts during the same lockout add none."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    data = {"username": (username or "")[:150], "ip_address": ip_address or ""}
    already = AuditEntry.objects.filter(
        action=LOCKED_OUT,
        created_at__gte=since,
        data__username=data["username"],
        data__ip_address=data["ip_address"],
    ).exists()
    if not already:
        user = User.objects.filter(username=data["username"]).first()
        log_action(LOCKED_OUT, obj=user, data=data)
