"""站内通知: the signed-in user's inbox. Nobody sees, opens or marks another's notification."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import ListView, View

from .models import Notification
from .notifications import notifications_mark_read


def local_path(url: str) -> str | None:
    """The notification's link if it stays on this site (a path like /review/3/), else None."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "society/notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")


class NotificationOpenView(LoginRequiredMixin, View):
    """Opening a notification marks it read and follows its link (only within the site)."""

    def get(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        notifications_mark_read(user=request.user, pk=notification.pk)
        target = local_path(notification.url)
        if target is None:
            if notification.url:
                messages.warning(request, _("该通知的链接不在本平台内，已忽略。"))
            return redirect("notification_list")
        return redirect(target)


class NotificationReadAllView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        changed = notifications_mark_read(user=request.user)
        if changed:
            messages.success(request, _("已将全部通知标为已读。"))
        else:
            messages.info(request, _("没有未读通知。"))
        return redirect("notification_list")
