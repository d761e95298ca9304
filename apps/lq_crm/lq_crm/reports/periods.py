"""Calendar months in the club's time zone, Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    if month.month == 12:
        return date(month.year + 1, 1, 1)
    return date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    if month.month == 1:
        return date(month.year - 1, 12, 1)
    return date(month.year, month.month - 1, 1)


def last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def month_span(month: date) -> tuple[datetime, datetime]:
    """Return the aware start of the month and the start of the next, in local time."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(month_start(month), time.min, tzinfo=zone)
    end = datetime.combine(next_month(month_start(month)), time.min, tzinfo=zone)
    return start, end


def month_of(moment: datetime) -> date:
    """Return the first day of the local month that ``moment`` falls in."""
    return month_start(timezone.localtime(moment).date())


def months_between(first: date, last: date) -> list[date]:
    """List the first days of the months from ``first`` to ``last``, both included."""
    months = []
    month = month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
