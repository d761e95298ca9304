"""Stream card numbers as CSV for the card printer."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card
from lq_crm.exports.services import record_export

# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
BYTE_ORDER_MARK = "\ufeff"
CHUNK_SIZE = 2000


class LineBuffer:
    """A file-like object whose write() returns the line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def card_csv_lines(cards: QuerySet[Card]) -> Iterator[str]:
    """Yield the CSV lines: serial, card number and batch number, in card order."""
    writer = csv.writer(LineBuffer())
    yield BYTE_ORDER_MARK + writer.writerow(
        [_("Serial"), _("Card number"), _("Batch number")]
    )
    rows = cards.select_related("batch").order_by("batch_id", "serial", "card_number")
    for card in rows.iterator(chunk_size=CHUNK_SIZE):
        batch_number = card.batch.number if card.batch is not None else ""
        serial = "" if card.serial is None else str(card.serial)
        yield writer.writerow([serial, card.card_number, batch_number])


def card_csv_response(
    request: HttpRequest, cards: QuerySet[Card], filename: str
) -> StreamingHttpResponse:
    """Return a streaming UTF-8 CSV download of ``cards``, and record it."""
    record_export(request, Card._meta.label_lower, cards.count())
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in card_csv_lines(cards)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
