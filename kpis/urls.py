from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/indicators/<int:pk>/",
        views.IndicatorDetailView.as_view(),
        name="dashboard-indicator",
    ),
]
