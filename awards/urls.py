from django.urls import path

from . import views

app_name = "awards"

urlpatterns = [
    path("gongshi/", views.NoticeListView.as_view(), name="notice-list"),
    path("gongshi/<int:pk>/", views.NoticeDetailView.as_view(), name="notice-detail"),
    path(
        "awards/<int:pk>/letter/",
        views.AwardDocumentView.as_view(document="letter"),
        name="award-letter",
    ),
    path(
        "awards/<int:pk>/certificate/",
        views.AwardDocumentView.as_view(document="certificate"),
        name="award-certificate",
    ),
]
