"""The archive's pages: the search, its feed, its statistics, one letter, its original file, guidelines, the CSV export, the bulk files."""

from django.urls import path

from decisions import converters, views  # noqa: F401 - converters registers <casekey:>

app_name = "decisions"

urlpatterns = [
    path("decisions/", views.case_list, name="list"),
    path("decisions/export.csv", views.export_csv, name="export"),
    path("decisions/feed/", views.case_feed, name="feed"),
    path("decisions/<casekey:key>/", views.case_detail, name="detail"),
    path("decisions/<casekey:key>/original", views.case_original, name="original"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/export.csv", views.statistics_csv, name="statistics-export"),
    path("downloads/", views.downloads, name="downloads"),
    path("downloads/manifest.json", views.download_manifest, name="download-manifest"),
    path("downloads/latest/<slug:kind>", views.download_latest, name="download-latest"),
    path("downloads/<str:name>", views.download_file, name="download"),
    path("guidelines/", views.guideline_list, name="guidelines"),
    path("guidelines/<slug:slug>/", views.guideline_detail, name="guideline"),
]
