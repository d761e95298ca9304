"""Django settings of LQ CRM, read from the site's config and the environment.

Every value that differs between deployments comes from ``config.load_site``:
``sites/<LQ_SITE>/site_config.json`` with environment variables winning. The
embedded default needs no configuration at all: SQLite in the site folder,
jobs run inline, the console SMS backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lq_crm.config import PROJECT_ROOT, ConfigError, load_site

SITE = load_site()
PACKAGE_DIR = Path(__file__).resolve().parent
SITE_DIR = SITE.path

SECRET_KEY = SITE.string("secret_key", default="") or None
DEBUG = SITE.boolean("debug", default=False)
if SECRET_KEY is None:
    if not DEBUG and not SITE.boolean("allow_insecure_key", default=False):
        raise ConfigError(
            f"Site {SITE.name!r} has no secret key: run `python -m "
            f"lq_crm.config {SITE.name}` or set SECRET_KEY."
        )
    SECRET_KEY = "insecure-key-for-a-site-without-config"

ALLOWED_HOSTS = SITE.string_list("allowed_hosts", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = SITE.string_list("csrf_trusted_origins", [])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "lq_crm.core.apps.JobQueueConfig",
    "lq_crm.core",
    "lq_crm.access",
    "lq_crm.doctype.region",
    "lq_crm.doctype.store",
    "lq_crm.doctype.product",
    "lq_crm.doctype.tier",
    "lq_crm.doctype.member",
    "lq_crm.doctype.card",
    "lq_crm.doctype.slip",
    "lq_crm.doctype.points",
    "lq_crm.doctype.club",
    "lq_crm.doctype.event",
    "lq_crm.notify",
    "lq_crm.imports",
    "lq_crm.workflow",
    "lq_crm.customize",
    "lq_crm.exports",
    "lq_crm.duplicates",
    "lq_crm.keying",
    "lq_crm.reports",
    "lq_crm.portal.office",
    "lq_crm.portal.member",
]

MIDDLEWARE = [
    "lq_crm.core.versions.VersionSnapshotMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

AUTHENTICATION_BACKENDS = ["lq_crm.access.backends.MemoisedModelBackend"]

ROOT_URLCONF = "lq_crm.urls"
# The desk's login page carries no "next" field when opened directly.
LOGIN_URL = "/desk/login/"
LOGIN_REDIRECT_URL = "/desk/"
WSGI_APPLICATION = "lq_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Database. MariaDB keeps datetimes in Asia/Shanghai local time (the
# connection's TIME_ZONE below) so that date lookups and truncation need no
# CONVERT_TZ, which returns NULL on a server whose time-zone tables were never
# loaded. Shanghai has had no daylight saving time since 1991, so local times
# are unambiguous.
DEFAULT_DATABASE_URL = f"sqlite:///{SITE_DIR / 'site.sqlite3'}"
DATABASE_URL = SITE.string("database_url", default=DEFAULT_DATABASE_URL)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as error:
    raise ConfigError(f"DATABASE_URL {DATABASE_URL!r} is invalid: {error}") from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"]["TIME_ZONE"] = "Asia/Shanghai"
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": (
            "SET sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
            "NO_ENGINE_SUBSTITUTION', "
            "collation_connection='utf8mb4_unicode_ci'"
        ),
        "isolation_level": "read committed",
    }
    DATABASES["default"]["TEST"] = {
        "CHARSET": "utf8mb4",
        "COLLATION": "utf8mb4_unicode_ci",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web and worker processes read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Redis: cache, job queue and cross-process signals. Without REDIS_URL the
# site keeps its cache in files in the site folder and runs jobs inline
# after the transaction commits. Files, not memory: the web workers must
# share the version tokens behind every per-process memo (permissions,
# workflows, custom fields) and the sign-in rate limits.
REDIS_URL = SITE.optional_string("redis_url")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"lq:{SITE.name}",
            # A hung Redis fails a cache call after a second, and the memos
            # then read the database (lq_crm.core.versions), in place of
            # holding the request until the web server's worker timeout.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    RQ_QUEUES = {
        "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(SITE_DIR / "cache"),
            # Past this many files Django deletes a third of them. A deleted
            # version token only makes every process reload its memo.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
    RQ_QUEUES = {}
JOBS_INLINE = not REDIS_URL


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The second catalogue translates django-unfold's own desk texts, which the
# package ships in English only.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_unfold"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = SITE_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = SITE_DIR / "media"


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["lq_crm.core.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LQ CRM API",
    "DESCRIPTION": "Members, cards, purchase slips, points and tiers of the "
    "Longliqi Health Family Club.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}


# Outgoing messages. The console backends write to the log, which is what a
# first run and the tests want. A site names its real gateway in its config.
SMS_BACKEND = SITE.string("sms_backend", default="lq_crm.notify.sms.ConsoleBackend")
SMS_GATEWAY_URL = SITE.optional_string("sms_gateway_url")
SMS_GATEWAY_TOKEN = SITE.optional_string("sms_gateway_token")
SMS_GATEWAY_TIMEOUT = SITE.integer("sms_gateway_timeout", default=10)
EMAIL_BACKEND = SITE.string(
    "email_backend", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = SITE.string("email_host", default="localhost")
EMAIL_PORT = SITE.integer("email_port", default=25)
DEFAULT_FROM_EMAIL = SITE.string("default_from_email", default="club@longliqi.local")


LOG_DIR = SITE_DIR / "logs"
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOG_LEVEL = SITE.string("log_level", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": LOG_DIR / "lq_crm.log",
            "formatter": "line",
            "encoding": "utf-8",
        },
    },
    "root": {"handlers": ["console", "file"], "level": "WARNING"},
    "loggers": {
        "lq_crm": {"level": LOG_LEVEL},
        "rq.worker": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
    },
}


StrOrPromise = str | Promise


# The desk's sidebar. An item shows to users who may view its model, and
# hides while its model has no admin, so that one missing admin cannot break
# every desk page.
def desk_link(title: StrOrPromise, icon: str, app_label: str, model: str) -> dict:
    url_name = f"admin:{app_label}_{model}_changelist"

    def link(request: HttpRequest) -> str:
        try:
            return reverse(url_name)
        except NoReverseMatch:
            return ""

    def permission(request: HttpRequest) -> bool:
        may_view = request.user.has_perm(f"{app_label}.view_{model}")
        return may_view and link(request) != ""

    return {"title": title, "icon": icon, "link": link, "permission": permission}


def page_link(title: StrOrPromise, icon: str, url_name: str, *permissions: str) -> dict:
    """Link a desk page that is not a model list, for users with ``permissions``."""

    def permission(request: HttpRequest) -> bool:
        return request.user.has_perms(permissions)

    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": permission,
    }


def report_link(title: StrOrPromise, icon: str, page: str = "") -> dict:
    """Link a head office report page, for users who may read reports."""
    if page:
        link = reverse_lazy("reports:page", args=[page])
    else:
        link = reverse_lazy("reports:dashboard")
    return {
        "title": title,
        "icon": icon,
        "link": link,
        "permission": "lq_crm.reports.views.show_in_sidebar",
    }


UNFOLD = {
    "SITE_TITLE": _("LQ CRM"),
    "SITE_HEADER": _("Longliqi Health Family Club"),
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": [
            {
                "title": _("Members"),
                "separator": True,
                "items": [
                    page_link(
                        _("Key paper forms"),
                        "edit_note",
                        "keying:paper-form",
                        "member.add_member",
                        "slip.add_purchaseslip",
                    ),
                    desk_link(_("Member households"), "groups", "member", "member"),
                    desk_link(_("Cards"), "credit_card", "card", "card"),
                    desk_link(_("Card batches"), "inventory_2", "card", "cardbatch"),
                    desk_link(
                        _("Purchase slips"), "receipt_long", "slip", "purchaseslip"
                    ),
                    desk_link(
                        _("Points ledger"), "toll", "points", "pointsledgerentry"
                    ),
                    desk_link(_("Tier changes"), "trending_up", "tier", "tierchange"),
                    page_link(
                        _("Duplicate review"),
                        "join_inner",
                        "duplicates:queue",
                        "duplicates.view_duplicatecandidate",
                    ),
                ],
            },
            {
                "title": _("Analysis"),
                "separator": True,
                "collapsible": True,
                "items": [
                    report_link(_("Dashboard"), "monitoring"),
                    report_link(_("Households and cards"), "group_add", "signups"),
                    report_link(_("Spend and slips"), "payments", "sales"),
                    report_link(_("Tiers"), "workspace_premium", "tiers"),
                    report_link(_("Cross purchases"), "join_inner", "cross"),
                    report_link(
                        _("Segments and drifting away"), "donut_small", "segments"
                    ),
                    report_link(_("Event attendance"), "event_available", "events"),
                    report_link(_("Activity effectiveness"), "campaign", "activities"),
                ],
            },
            {
                "title": _("Events"),
                "separator": True,
                "items": [
                    desk_link(_("Events"), "event", "event", "event"),
                    desk_link(
                        _("Trip registrations"), "how_to_reg", "event", "registration"
                    ),
                ],
            },
            {
                "title": _("Stores and products"),
                "separator": True,
                "items": [
                    desk_link(_("Stores"), "storefront", "store", "store"),
                    desk_link(
                        _("Product categories"),
                        "category",
                        "product",
                        "productcategory",
                    ),
                    desk_link(_("Products"), "shopping_bag", "product", "product"),
                ],
            },
            {
                "title": _("Messages"),
                "separator": True,
                "items": [
                    desk_link(
                        _("Message templates"),
                        "description",
                        "notify",
                        "messagetemplate",
                    ),
                    desk_link(_("Notifications"), "sms", "notify", "notification"),
                ],
            },
            {
                "title": _("System"),
                "separator": True,
                "items": [
                    desk_link(_("Tiers"), "workspace_premium", "tier", "tier"),
                    desk_link(_("Club settings"), "settings", "club", "clubsettings"),
                    desk_link(_("Regions"), "map", "region", "region"),
                    desk_link(_("Users"), "person", "auth", "user"),
                    desk_link(_("Groups"), "shield_person", "auth", "group"),
                    desk_link(_("Roles"), "badge", "access", "role"),
                    {
                        "title": _("Permission matrix"),
                        "icon": "grid_on",
                        "link": reverse_lazy("admin:access_role_matrix"),
                        "permission": lambda request: request.user.has_perm(
                            "auth.change_group"
                        ),
                    },
                    desk_link(
                        _("Custom fields"),
                        "dashboard_customize",
                        "customize",
                        "customfield",
                    ),
                    desk_link(
                        _("Form layouts"), "view_quilt", "customize", "formlayout"
                    ),
                    desk_link(_("Workflows"), "account_tree", "workflow", "workflow"),
                    desk_link(
                        _("Workflow log"), "history", "workflow", "transitionlog"
                    ),
                    page_link(
                        _("Import a file"),
                        "upload",
                        "admin:imports_importrecord_upload",
                        "imports.view_importrecord",
                    ),
                    desk_link(
                        _("Import records"), "upload_file", "imports", "importrecord"
                    ),
                    desk_link(
                        _("Export records"), "download", "exports", "exportrecord"
                    ),
                ],
            },
        ],
    },
}

FIXTURES_DIR = PROJECT_ROOT / "apps" / "lq_crm" / "fixtures"
