from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from society.views import LoginView, LogoutView

admin.site.site_header = _("四川省土木建筑学会 · 管理后台")
admin.site.site_title = _("学会管理后台")
admin.site.index_title = _("秘书处工作台")

urlpatterns = [
    path("admin/", admin.site.urls),
    # Our login (Chinese error messages) and logout (with a message) come first.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("projects.urls")),
    path("", include("awards.urls")),
    path("", include("kpis.urls")),
    path("", include("society.urls")),
]

if settings.DEBUG:
    pass
