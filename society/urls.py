from django.urls import path

from . import article_views, member_views, notification_views, registration_views, views
from .models import Branch, MemberUnit


def organisation_paths(model, prefix: str) -> list:
    """Detail, edit and members pages of a branch or a member unit."""
    name = f"org_{model._meta.model_name}"
    return [
        path(
            f"{prefix}<int:pk>/",
            views.OrganisationDetailView.as_view(organisation_model=model),
            name=f"{name}_detail",
        ),
        path(
            f"{prefix}<int:pk>/edit/",
            views.OrganisationEditView.as_view(organisation_model=model),
            name=f"{name}_edit",
        ),
        path(
            f"{prefix}<int:pk>/members/",
            views.OrganisationMembersView.as_view(organisation_model=model),
            name=f"{name}_members",
        ),
    ]


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("org/", views.OwnOrganisationView.as_view(), name="own_organisation"),
    *organisation_paths(Branch, "org/branches/"),
    *organisation_paths(MemberUnit, "org/units/"),
    path(
        "notifications/",
        notification_views.NotificationListView.as_view(),
        name="notification_list",
    ),
    path(
        "notifications/<int:pk>/",
        notification_views.NotificationOpenView.as_view(),
        name="notification_open",
    ),
    path(
        "notifications/read-all/",
        notification_views.NotificationReadAllView.as_view(),
        name="notification_read_all",
    ),
    path("register/", registration_views.RegisterView.as_view(), name="register"),
    path("register/sent/", registration_views.RegisterSentView.as_view(), name="register-sent"),
    path(
        "register/confirm/<str:token>/",
        registration_views.RegisterConfirmView.as_view(),
        name="register-confirm",
    ),
    path(
        "me/certificate/",
        registration_views.MemberCertificateView.as_view(),
        name="member-certificate",
    ),
    path(
        "members/<int:pk>/certificate/",
        registration_views.MemberCertificateView.as_view(),
        name="member-certificate-of",
    ),
    path("me/profile/", member_views.ProfileView.as_view(), name="me-profile"),
    path("me/growth/", member_views.GrowthView.as_view(), name="me-growth"),
    path("me/growth/pdf/", member_views.GrowthPdfView.as_view(), name="me-growth-pdf"),
    path("me/services/", member_views.ServicesView.as_view(), name="me-services"),
    path(
        "members/completeness/",
        member_views.CompletenessView.as_view(),
        name="member-completeness",
    ),
    path("news/", article_views.ArticleListView.as_view(), name="article-list"),
    path("news/<int:pk>/", article_views.ArticleDetailView.as_view(), name="article-detail"),
    path(
        "news/attachments/<int:pk>/",
        article_views.AttachmentDownloadView.as_view(),
        name="article-attachment",
    ),
]
