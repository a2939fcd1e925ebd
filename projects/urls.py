from django.urls import path

from .views import applicant, implementation, review

app_name = "projects"

urlpatterns = [
    path("calls/", applicant.CallListView.as_view(), name="call-list"),
    path("calls/<int:pk>/", applicant.CallDetailView.as_view(), name="call-detail"),
    path("applications/", applicant.ApplicationListView.as_view(), name="application-list"),
    path(
        "calls/<int:call_pk>/apply/",
        applicant.ApplicationCreateView.as_view(),
        name="application-create",
    ),
    path(
        "applications/<int:pk>/",
        applicant.ApplicationDetailView.as_view(),
        name="application-detail",
    ),
    path(
        "applications/<int:pk>/edit/",
        applicant.ApplicationEditView.as_view(),
        name="application-edit",
    ),
    path(
        "applications/<int:pk>/attachments/",
        applicant.AttachmentUploadView.as_view(),
        name="attachment-upload",
    ),
    path(
        "applications/<int:pk>/versions/",
        applicant.ApplicationVersionsView.as_view(),
        name="application-versions",
    ),
    path(
        "applications/<int:pk>/implementation/",
        implementation.ImplementationOverviewView.as_view(),
        name="implementation",
    ),
    path(
        "applications/<int:pk>/implementation/progress/",
        implementation.ProgressCreateView.as_view(),
        name="implementation-progress",
    ),
    path(
        "applications/<int:pk>/implementation/final-report/",
        implementation.FinalReportView.as_view(),
        name="final-report",
    ),
    path(
        "applications/<int:pk>/implementation/final-report/evidence/",
        implementation.EvidenceUploadView.as_view(),
        name="final-report-evidence",
    ),
    path(
        "applications/<int:pk>/implementation/final-report/submit/",
        implementation.FinalReportSubmitView.as_view(),
        name="final-report-submit",
    ),
    path(
        "applications/<int:pk>/implementation/attachments/<int:attachment_pk>/delete/",
        implementation.ImplementationAttachmentDeleteView.as_view(),
        name="implementation-attachment-delete",
    ),
    # After the fixed sub-paths above, or "attachments/" and "versions/" would be actions.
    path(
        "applications/<int:pk>/<str:action>/",
        applicant.ApplicationTransitionView.as_view(),
        name="application-transition",
    ),
    path(
        "attachments/<int:pk>/",
        applicant.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(
        "attachments/<int:pk>/delete/",
        applicant.AttachmentDeleteView.as_view(),
        name="attachment-delete",
    ),
    path("review/", review.ReviewListView.as_view(), name="review-list"),
    path("review/<int:pk>/", review.ReviewDetailView.as_view(), name="review-detail"),
    path("review/<int:pk>/conflict/", review.ReviewConflictView.as_view(), name="review-conflict"),
]
