from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocietyConfig(AppConfig):
    name = "society"
    verbose_name = _("学会登记")

    def ready(self):
        from . import login_throttle  # noqa: F401  (connects the lockout audit receiver)
