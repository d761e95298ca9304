from django.urls import path

from lq_crm.keying import views

app_name = "keying"

urlpatterns = [
    path("", views.paper_form, name="paper-form"),
    path("region-proposal/", views.region_proposal, name="region-proposal"),
    path("card-check/", views.card_check, name="card-check"),
    path("household-matches/", views.household_matches, name="household-matches"),
]
