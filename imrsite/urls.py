"""Top-level URLs: the archive, its API, accounts and saved searches, and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="decisions:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("decisions.api_urls")),
    path("", include("decisions.urls")),
]
