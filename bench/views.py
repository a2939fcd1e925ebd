"""The yardstick: the smallest page Django can serve through the platform's middleware."""

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView


class MinimalView(TemplateView):
    template_name = "bench/minimal.html"
    extra_context = {"title": _("基准页面"), "items": range(10)}
