from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .models import Notification
from .rules import is_expert, is_leader, is_member, is_officer, is_secretariat
from .templatetags.portal import own_organisation_url


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool = False


def navigation(request) -> list[NavItem]:
    """The portal's menu for the user's role, and the public notices for everyone
    (no database queries)."""
    user = getattr(request, "user", None)
    notices = (_("公示公告"), reverse("awards:notice-list"))
    home = reverse("home")
    if user is None or not user.is_authenticated:
        items = []
    elif is_secretariat(user):
        items = [
            (_("首页"), home),
            (_("指标看板"), reverse("kpis:dashboard")),
            (_("进展报告"), reverse("kpis:report-list")),
            (_("资料完整度"), reverse("member-completeness")),
            (_("管理后台"), reverse("admin:index")),
        ]
    elif is_officer(user):
        items = [
            (_("本机构"), own_organisation_url(user, "detail")),
            (_("机构会员"), own_organisation_url(user, "members")),
            (_("申报项目"), reverse("projects:application-list")),
            (_("申报通知"), reverse("projects:call-list")),
            (_("指标填报"), reverse("kpis:record-list")),
        ]
    elif is_expert(user):
        items = [(_("首页"), home), (_("评审任务"), reverse("projects:review-list"))]
    elif is_leader(user):
        items = [
            (_("首页"), home),
            (_("指标看板"), reverse("kpis:dashboard")),
            (_("进展报告"), reverse("kpis:report-list")),
        ]
    elif is_member(user):
        items = [
            (_("我的会员信息"), home),
            (_("我的资料"), reverse("me-profile")),
            (_("成长足迹"), reverse("me-growth")),
            (_("服务评价"), reverse("me-services")),
        ]
    else:
        items = [(_("首页"), home)]
    if user is not None and user.is_authenticated and user.dashboard_access:
        granted = [
            (_("指标看板"), reverse("kpis:dashboard")),
            (_("进展报告"), reverse("kpis:report-list")),
        ]
        items.extend(item for item in granted if item not in items)
    items.append(notices)
    items.append((_("信息发布"), reverse("article-list")))
    # The active item is the one whose address is the longest prefix of this page's.
    path = request.path
    matches = [
        url for _label, url in items if path == url or (url != home and path.startswith(url))
    ]
    active = max(matches, key=len, default=None)
    return [NavItem(label=label, url=url, active=url == active) for label, url in items]


def unread_notifications(request) -> SimpleLazyObject | int:
    """How many unread notifications the signed-in user has, for the navbar badge.

    Lazy: the one COUNT query runs only when a template shows the badge (not for htmx
    partials), and once per response.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return SimpleLazyObject(
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
    )


def portal(request):
    return {
        "SOCIETY_NAME": _(settings.SOCIETY_NAME),  # msgid kept by projects/exports.py
        "nav_items": navigation(request),
        "unread_notifications": unread_notifications(request),
    }
