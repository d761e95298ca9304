"""Settings for the API benchmark: the site's settings plus a bare endpoint."""

from lq_crm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
LOGGING["loggers"]["lq_crm"]["level"] = "WARNING"  # noqa: F405
