"""API routes under /api/: search, one letter, guidelines, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from decisions import api, converters  # noqa: F401 - converters registers <casekey:>

urlpatterns = [
    path("decisions/", api.DecisionListView.as_view(), name="api-decisions"),
    path("decisions/<casekey:key>/", api.DecisionDetailView.as_view(), name="api-decision"),
    path("statistics/", api.StatisticsView.as_view(), name="api-statistics"),
    path("guidelines/", api.GuidelineListView.as_view(), name="api-guidelines"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
