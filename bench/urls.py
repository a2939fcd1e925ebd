"""The platform's URLs plus the minimal view the pages are compared with."""

from django.urls import path

from config.urls import urlpatterns as platform_urlpatterns

from .views import MinimalView

urlpatterns = [
    path("bench/minimal/", MinimalView.as_view(), name="bench-minimal"),
    *platform_urlpatterns,
]
