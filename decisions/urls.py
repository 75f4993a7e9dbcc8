from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("decisions/", views.case_list, name="list"),
    path("decisions/<str:key>/", views.case_detail, name="detail"),
    path("guidelines/<slug:slug>/", views.guideline_detail, name="guideline"),
]
