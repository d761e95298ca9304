"""The project's URLs plus /bench/bare/, which inserts one row and nothing else.

The bare endpoint goes through the same middleware, DRF token authentication
and transaction as the slip endpoint, so the ratio between the two measures
the cost of the slip rules themselves.
"""

from django.db import connection, transaction
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lq_crm.urls import urlpatterns as project_urlpatterns

BARE_TABLE = "bench_bare_row"


class BareInsertView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BARE_TABLE} (receipt, amount) VALUES (%s, %s)",
                [request.data["receipt_number"], request.data["amount"]],
            )
        return Response({"ok": True}, status=201)


urlpatterns = [path("bench/bare/", BareInsertView.as_view()), *project_urlpatterns]
