from django.urls import path

from lq_crm.portal.member.views import account, events, pages, signin

app_name = "member_portal"

urlpatterns = [
    path("", pages.home, name="home"),
    path("sign-in/", signin.sign_in, name="sign-in"),
    path("sign-in/code/", signin.enter_code, name="sign-in-code"),
    path("sign-in/household/", signin.choose_household, name="choose-household"),
    path("sign-out/", signin.sign_out, name="sign-out"),
    path("points/", pages.points, name="points"),
    path("slips/", pages.slips, name="slips"),
    path("slips/<int:pk>/", pages.slip_detail, name="slip"),
    path("benefits/", pages.benefits, name="benefits"),
    path("events/", events.event_list, name="events"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path(
        "registrations/<int:pk>/cancel/",
        events.cancel_registration,
        name="cancel-registration",
    ),
    path("account/", account.account, name="account"),
    path("account/consent/", account.consent, name="consent"),
    path("account/phone/", account.request_phone_change, name="change-phone"),
    path(
        "account/phone/code/",
        account.confirm_phone_change,
        name="change-phone-code",
    ),
    path("account/data/", account.personal_data, name="personal-data"),
]
