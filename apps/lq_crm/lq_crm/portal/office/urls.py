from django.urls import path

from lq_crm.portal.office.views import (
    auth,
    dashboard,
    events,
    members,
    signup,
    slips,
)

app_name = "office_portal"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("login/", auth.OfficeLoginView.as_view(), name="login"),
    path("logout/", auth.OfficeLogoutView.as_view(), name="logout"),
    path("city/", auth.CityView.as_view(), name="city"),
    path("slips/new/", slips.SlipEntryView.as_view(), name="slip-entry"),
    path("slips/", slips.SlipListView.as_view(), name="slips"),
    path("slips/<int:pk>/", slips.SlipDetailView.as_view(), name="slip"),
    path("cards/", members.CardListView.as_view(), name="cards"),
    path("cards/lookup/", slips.CardLookupView.as_view(), name="card-lookup"),
    path("members/new/", signup.SignUpView.as_view(), name="sign-up"),
    path("members/", members.MemberListView.as_view(), name="members"),
    path("members/<int:pk>/", members.MemberDetailView.as_view(), name="member"),
    path("registrations/new/", events.RegisterView.as_view(), name="register"),
    path(
        "registrations/",
        events.RegistrationListView.as_view(),
        name="registrations",
    ),
    path(
        "registrations/<int:pk>/",
        events.RegistrationDetailView.as_view(),
        name="registration",
    ),
    path("check-in/", events.CheckInView.as_view(), name="check-in"),
    path("check-in/<int:pk>/", events.CheckInView.as_view(), name="check-in-event"),
]
