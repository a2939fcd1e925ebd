from django.urls import path

from . import report_views, views

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
]
