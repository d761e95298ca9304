from collections.abc import Callable

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path

from lq_crm.duplicates import views

app_name = "duplicates"


def desk(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a signed-in staff user, as every desk page does."""
    return admin.site.admin_view(view)


urlpatterns = [
    path("", desk(views.queue), name="queue"),
    path("scan/", desk(views.scan), name="scan"),
    path("<int:pk>/", desk(views.review), name="review"),
    path("<int:pk>/decide/", desk(views.decide), name="decide"),
    path("merges/<int:pk>/", desk(views.merge_detail), name="merge"),
    path("merges/<int:pk>/undo/", desk(views.undo), name="undo"),
]
