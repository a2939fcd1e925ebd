from django.urls import path

from . import record_views, report_views, views

app_name = "kpis"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/indicators/<int:pk>/",
        views.IndicatorDetailView.as_view(),
        name="dashboard-indicator",
    ),
    path("reports/", report_views.ReportListView.as_view(), name="report-list"),
    path("reports/dossier/", report_views.DossierView.as_view(), name="dossier"),
    path("reports/<int:pk>/", report_views.ReportDetailView.as_view(), name="report-detail"),
    path(
        "reports/<int:pk>/status/",
        report_views.ReportStatusView.as_view(),
        name="report-status",
    ),
    path(
        "reports/<int:pk>/<str:kind>/",
        report_views.ReportDownloadView.as_view(),
        name="report-download",
    ),
    # 指标填报: officers' records and their evidence (record_views).
    path("records/", record_views.RecordListView.as_view(), name="record-list"),
    path("records/new/", record_views.RecordCreateView.as_view(), name="record-create"),
    path(
        "records/indicator-fields/",
        record_views.IndicatorFieldsView.as_view(),
        name="record-indicator-fields",
    ),
    path("records/<int:pk>/", record_views.RecordDetailView.as_view(), name="record-detail"),
    path("records/<int:pk>/edit/", record_views.RecordEditView.as_view(), name="record-edit"),
    path(
        "records/<int:pk>/evidence/",
        record_views.EvidenceUploadView.as_view(),
        name="evidence-upload",
    ),
    path(
        "records/evidence/<int:pk>/",
        record_views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
]
