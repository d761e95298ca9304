from django.urls import path

from lq_crm.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("households/", views.households, name="households"),
    path("slips/", views.slips, name="slips"),
    path("<slug:name>/", views.report_page, name="page"),
]
