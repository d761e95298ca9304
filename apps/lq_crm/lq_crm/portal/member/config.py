"""Limits of the member portal's sign-in, read from the site's config.

Each value comes from ``sites/<name>/site_config.json`` or from the
environment variable of the same name in upper case. The environment is read
on every use, so a test can change a limit without reloading the settings.

* ``portal_code_ttl_seconds``: seconds a code stays valid (300)
* ``portal_code_max_attempts``: entries allowed per code, the correct one
  included (5)
* ``portal_code_resend_seconds``: minimum seconds between two codes to one
  phone (60)
* ``portal_code_phone_limit``: codes sent to one phone per window (5)
* ``portal_code_ip_limit``: code requests from one client IP per window (20)
* ``portal_code_window_seconds``: length of the rate-limit window (3600)
* ``portal_session_hours``: hours a portal sign-in lasts (12)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from lq_crm.config import ConfigError


@dataclass(frozen=True)
class PortalLimits:
    code_ttl_seconds: int
    code_max_attempts: int
    code_resend_seconds: int
    code_phone_limit: int
    code_ip_limit: int
    code_window_seconds: int
    session_hours: int


DEFAULTS = PortalLimits(
    code_ttl_seconds=300,
    code_max_attempts=5,
    code_resend_seconds=60,
    code_phone_limit=5,
    code_ip_limit=20,
    code_window_seconds=3600,
    session_hours=12,
)


def positive_setting(key: str, default: int) -> int:
    value = settings.SITE.integer(key, default=default)
    if value < 1:
        raise ConfigError(
            f"Setting {key!r} has the invalid value {value}: use a whole number "
            "of at least 1."
        )

    return value


def portal_limits() -> PortalLimits:
    """Return the portal's limits as configured now."""
    return PortalLimits(
        code_ttl_seconds=positive_setting(
            "portal_code_ttl_seconds", DEFAULTS.code_ttl_seconds
        ),
        code_max_attempts=positive_setting(
            "portal_code_max_attempts", DEFAULTS.code_max_attempts
        ),
        code_resend_seconds=positive_setting(
            "portal_code_resend_seconds", DEFAULTS.code_resend_seconds
        ),
        code_phone_limit=positive_setting(
            "portal_code_phone_limit", DEFAULTS.code_phone_limit
        ),
        code_ip_limit=positive_setting("portal_code_ip_limit", DEFAULTS.code_ip_limit),
        code_window_seconds=positive_setting(
            "portal_code_window_seconds", DEFAULTS.code_window_seconds
        ),
        session_hours=positive_setting("portal_session_hours", DEFAULTS.session_hours),
    )
