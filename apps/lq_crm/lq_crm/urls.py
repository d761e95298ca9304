from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerView,
)

from lq_crm.api import router
from lq_crm.core.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(router.urls)),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("desk/keying/", include("lq_crm.keying.urls")),
    path("desk/duplicates/", include("lq_crm.duplicates.urls")),
    path("desk/reports/", include("lq_crm.reports.urls")),
    path("desk/", admin.site.urls),
    path("portal/office/", include("lq_crm.portal.office.urls")),
    path("portal/", include("lq_crm.portal.member.urls")),
    path("", RedirectView.as_view(url="/desk/", permanent=False)),
]

if settings.RQ_QUEUES:
    urlpatterns.insert(0, path("rq/", include("django_rq.urls")))
