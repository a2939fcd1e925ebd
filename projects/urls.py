from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("calls/", views.CallListView.as_view(), name="call-list"),
    path("calls/<int:pk>/", views.CallDetailView.as_view(), name="call-detail"),
    path("applications/", views.ApplicationListView.as_view(), name="application-list"),
    path(
        "calls/<int:call_pk>/apply/",
        views.ApplicationCreateView.as_view(),
        name="application-create",
    ),
    path(
        "applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"
    ),
    path(
        "applications/<int:pk>/edit/", views.ApplicationEditView.as_view(), name="application-edit"
    ),
    path(
        "applications/<int:pk>/<str:action>/",
        views.ApplicationTransitionView.as_view(),
        name="application-transition",
    ),
    path(
        "applications/<int:pk>/attachments/",
        views.AttachmentUploadView.as_view(),
        name="attachment-upload",
    ),
    path(
        "applications/<int:pk>/versions/",
        views.ApplicationVersionsView.as_view(),
        name="application-versions",
    ),
    path(
        "attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment-download"
    ),
    path(
        "attachments/<int:pk>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="attachment-delete",
    ),
    path("review/", views.ReviewListView.as_view(), name="review-list"),
    path("review/<int:pk>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path("review/<int:pk>/conflict/", views.ReviewConflictView.as_view(), name="review-conflict"),
]
