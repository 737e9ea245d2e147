"""Settings, read from the environment.

``DJANGO_ENV`` picks the profile: ``production`` (the default, so a forgotten variable
never yields an unsafe deployment), ``development`` (what ``make run`` sets) or ``test``
(what ``make test`` sets). Every variable is listed in README.md, "Configuration".
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from marketplace.celery_routing import DEFAULT as DEFAULT_QUEUE
from marketplace.celery_routing import TASK_ROUTES, is_amqp, task_queues

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="production")
if DJANGO_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be production, development or test, not {DJANGO_ENV!r}")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must stay off in production (DJANGO_ENV=production).")

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdef"


def _refuse_weak_secret(name: str, value: str) -> None:
    """Production refuses the development key and anything Django's deploy check calls weak
    (shorter than 50 characters, fewer than 5 distinct ones, or a ``django-insecure-`` key)."""
    if (
        value == DEVELOPMENT_SECRET_KEY
        or value.startswith("django-insecure-")
        or len(value) < 50
        or len(set(value)) < 5
    ):
        raise ImproperlyConfigured(
            f"{name} is the development key or too weak for production: use 50+ random characters "
            "(e.g. `openssl rand -hex 32`)."
        )


if IS_PRODUCTION:
    # No fallback: a production process without its own secret must not start.
    SECRET_KEY = env.str("SECRET_KEY")
    _refuse_weak_secret("SECRET_KEY", SECRET_KEY)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the production host names; `*` is refused.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    # The operator console first (its admin templates win), then Django's admin with its site
    # (console.site.OperatorAdminSite: password + optional TOTP, dashboard index).
    "console.apps.ConsoleConfig",
    "console.apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "health_check",  # its page template: /health/ opened in a browser renders HTML
    "drf_spectacular_sidecar",
    "csp",
    "django_structlog",
    "django_prometheus",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "marketplace.apps.MarketplaceConfig",
    "pros.apps.ProsConfig",
    "leads.apps.LeadsConfig",
    "billing.apps.BillingConfig",
    "connections.apps.ConnectionsConfig",
    "hours.apps.HoursConfig",
    "push.apps.PushConfig",
    "ranking.apps.RankingConfig",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketplace.middleware.ApiCacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Accept-Language for everything; the API's base view refines it (marketplace/i18n.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): second factor given
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    # In /admin/ only, the staff member's marketplace time zone and language.
    "console.middleware.AdminLocaleMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # sees the final response (after axes')
    # Last, as django-axes asks: turns a locked-out admin login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

if IS_PRODUCTION:
    # Static files (admin, API docs) served by the web process itself, compressed and cached.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

# Content-Security-Policy on every response (django-csp; Django 5.2 has none built in). The
# admin (with its connections chart) and the Swagger UI at /api/docs/ load scripts only from
# this origin: no inline script anywhere (the docs' init script is a separate file). Inline
# style attributes stay allowed: the admin and Swagger UI set them, and they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "marketplace" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Embedded default: a SQLite file under var/. PostgreSQL (DATABASE_URL=postgres://...) is
# what production and the test suite use; only there do row locks and the pool exist.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if IS_PRODUCTION and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise ImproperlyConfigured("Production needs DATABASE_URL pointing at PostgreSQL.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("DATABASE_POOL", default=DJANGO_ENV != "test"):
        # Django's own psycopg 3 pool; persistent connections must stay off with it.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # A pooled connection broken while idle (PostgreSQL or PgBouncer restarted) is replaced
        # when it is taken from the pool instead of failing the request that gets it.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode each transaction may run on another server
    # connection: no server-side prepared statements (psycopg 3 prepares a query after 5 runs
    # unless told not to) and no server-side cursors (`.iterator()` would need its cursor to
    # outlive the transaction). See README, "Running at scale".
    DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
    if DATABASE_PGBOUNCER:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    # Web process and worker share the file: wait for locks instead of failing, and take
    # the write lock at BEGIN so two writers never deadlock on an upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replica (optional): stats and dashboard reads go to it (marketplace/db_routers.py);
# unset, everything uses the primary. Tests mirror it onto the test database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
# A replica more than DATABASE_REPLICA_MAX_LAG_SECONDS behind is not read, and a user who wrote
# within that many seconds reads the primary (read-your-writes); see marketplace/db_routers.py.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    _replica_options = dict(DATABASES["default"].get("OPTIONS", {}))
    # A dead replica must cost a request little before it falls back to the primary.
    _replica_options["connect_timeout"] = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)
    if "pool" in _replica_options:
        _replica_options["pool"] = {**_replica_options["pool"], "min_size": 0, "timeout": 2}
    DATABASES["replica"]["OPTIONS"] = _replica_options
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["marketplace.db_routers.ReplicaRouter"]
    MIDDLEWARE.append("marketplace.db_routers.ReplicaMiddleware")

# --- Redis: cache, throttles, Celery broker ---------------------------------------------
# Production fails closed: without REDIS_URL (or an explicit shared CACHE_URL and
# CELERY_BROKER_URL) throttles would count per process and tasks would sit in a local folder.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
elif REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, reusing one Redis client object per pool (marketplace/cache.py).
    CACHES["default"]["BACKEND"] = "marketplace.cache.RedisCache"
_PROCESS_LOCAL_CACHES = ("locmem", "dummy", "filebased")
if IS_PRODUCTION and any(kind in CACHES["default"]["BACKEND"].lower() for kind in _PROCESS_LOCAL_CACHES):
    raise ImproperlyConfigured(
        "Production needs a shared cache for throttles and lockouts: set REDIS_URL (or CACHE_URL to a Redis "
        "or Memcached server)."
    )

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "marketplace.User"
# django-axes first: every admin login attempt (Django's authenticate()) is counted, and a
# locked-out account or address is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "marketplace.auth_backends.MarketplaceEmailBackend",
]
# Emails are unique per marketplace (a person may use two marketplaces), so the username
# field is not globally unique; our backend always looks users up with their marketplace.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default ignores covering-index columns (INCLUDE); PostgreSQL uses them.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
AUTH_PASSWORD_VALIDATORS = [
    {
        # Our user has `name`, not first/last name: compare the password with the e-mail and the name.
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset links (e-mailed; the app's screen takes uid and token): a template with
# {marketplace}, {uid} and {token}. Django's reset tokens die once used and after this long.
PASSWORD_RESET_URL = env.str(
    "PASSWORD_RESET_URL", default="leadmarket://password-reset?marketplace={marketplace}&uid={uid}&token={token}"
)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=60 * 60 * 2)
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Admin login lockout (django-axes; the API's login is throttled instead) ---------------
# After AXES_FAILURE_LIMIT failures, the e-mail is locked out from every address and the
# address is locked out for every e-mail, until the cool-off passes or platform staff delete
# the lockout in the admin ("Access attempts") or run `manage.py axes_reset`.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOCKOUT_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each one alone locks
AXES_USERNAME_FORM_FIELD = "username"  # the admin login form's field (it holds the e-mail)
AXES_USERNAME_CALLABLE = "marketplace.auth_backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_VERBOSE = False
# The client address as the throttles see it: only NUM_PROXIES X-Forwarded-For hops are trusted.
AXES_CLIENT_IP_CALLABLE = "marketplace.auth_backends.client_address"

# Optional TOTP for staff (django-otp; marketplace/admin_site.py). Keys are not shown again
# once a device is saved; authenticator apps name the issuer.
OTP_TOTP_ISSUER = "Lead marketplace admin"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True


# Languages the product speaks (README "Languages"): codes as Django writes them; the API
# accepts fr-CA / zh-Hant / zh-TW in Accept-Language too. Catalogs live in locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr-ca", "Français (Canada)"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["marketplace.api.authentication.MarketplaceJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "marketplace.api.schema.ContractAutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["marketplace.api.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
        "quote_requests": env.str("THROTTLE_QUOTE_REQUESTS", default="30/hour"),
        # The tracked phone and website endpoints, per client network (IPv4 address, IPv6 /64).
        "clicks": env.str("THROTTLE_CLICKS", default="30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many reverse proxies sit in front of the app: throttles and the click visitor hash
    # trust only that many X-Forwarded-For hops. 0 = the socket's address, so a client cannot
    # pick its own identity (and dodge the login throttle) by sending the header itself.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}
if IS_PRODUCTION:
    _refuse_weak_secret("JWT_SIGNING_KEY", SIMPLE_JWT["SIGNING_KEY"])
SPECTACULAR_SETTINGS = {
    "TITLE": "Lead marketplace API",
    "DESCRIPTION": "Homeowners request quotes; pros accept (paying a contact fee) or reject leads. "
    "Every /api/v1/ call names its marketplace: set the `X-Marketplace: <slug>` header once per client "
    "(the `marketplace` security scheme), or use a host name configured for one marketplace. Signed-in "
    "calls also send `Authorization: Bearer <access>` (`POST /api/v1/auth/token/`). Errors have one shape, "
    '`{"error": {"code", "message", "fields"}}`; each operation lists the codes it answers. '
    "Amounts are integers in minor units with their currency (`Money`).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come with drf-spectacular-sidecar and are served as static files, so
    # the docs work offline and without a third-party CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One named enum per status, kind and reason, whichever serializer shows it.
    "ENUM_NAME_OVERRIDES": {
        "LeadKind": "leads.models.LeadKind",
        "LeadStatus": "leads.models.LeadStatus",
        "RequestSource": "leads.models.RequestSource",
        "NotificationKind": "leads.api.serializers.NOTIFICATION_KINDS",
        "ChargeStatus": "billing.models.ChargeStatus",
        "RefundStatus": "billing.models.RefundStatus",
        "DisputeStatus": "billing.models.DisputeStatus",
        "DisputeReason": "billing.models.DisputeReason",
        "CreditReason": "billing.models.CreditReason",
        "MembershipTier": "marketplace.models.MembershipTier",
        "RankFactor": "ranking.api.serializers.RANK_FACTORS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.api.schema.contract_postprocess",
    ],
}

# Tracked links in public pro payloads are absolute URLs on this origin (e.g. https://api.example.com)
# when set; otherwise on the host the request came to.
TRACKED_LINK_BASE_URL = env.str("TRACKED_LINK_BASE_URL", default="")

# Idempotency keys are kept this long (Stripe keeps its own for 24 h).
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24))
# A claimed key whose request never finished (crashed process) may be retried after this.
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=env.int("IDEMPOTENCY_STALE_SECONDS", default=60))

# --- Celery -----------------------------------------------------------------------------
# With Redis: the broker is Redis. Embedded default: kombu's filesystem transport under
# var/, so `make run` still runs a real worker and the beat scheduler with no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if IS_PRODUCTION and CELERY_BROKER_URL.split(":", 1)[0] in {"filesystem", "memory"}:
    raise ImproperlyConfigured(
        "Production needs a real Celery broker: set REDIS_URL (or CELERY_BROKER_URL); the filesystem broker "
        "is for `make run` on one machine."
    )
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _processed_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
elif is_amqp(CELERY_BROKER_URL):
    # RabbitMQ: publisher confirms, so a publish that returned was stored by the broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
else:
    # Above the longest task's hard time limit, so a running task is never redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Queues per kind of work (money, notifications, rollups, default); quorum queues on RabbitMQ.
CELERY_TASK_QUEUES = task_queues(CELERY_BROKER_URL)
CELERY_TASK_ROUTES = TASK_ROUTES
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TASK_DEFAULT_EXCHANGE = DEFAULT_QUEUE
CELERY_TASK_DEFAULT_ROUTING_KEY = DEFAULT_QUEUE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BATCH_SIZE = env.int("CELERY_BATCH_SIZE", default=1000)

# --- E-mail and payments ----------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="leads@localhost")

# --- Push notifications (push/senders.py) ------------------------------------------------
# FCM HTTP v1 (android, ios): a service-account JSON file path, or the JSON itself. Empty:
# FCM devices can register but their pushes fail (recorded, not retried).
PUSH_FCM_CREDENTIALS = env.str("PUSH_FCM_CREDENTIALS", default="")
PUSH_FCM_API_BASE = env.str("PUSH_FCM_API_BASE", default="https://fcm.googleapis.com")  # tests: a local server
# Web Push (VAPID): the private key (PEM, or base64url raw), and the contact the push
# services may write to. The public key goes to browsers as applicationServerKey.
PUSH_VAPID_PRIVATE_KEY = env.str("PUSH_VAPID_PRIVATE_KEY", default="")
PUSH_VAPID_PUBLIC_KEY = env.str("PUSH_VAPID_PUBLIC_KEY", default="")
PUSH_VAPID_SUBJECT = env.str("PUSH_VAPID_SUBJECT", default="mailto:push@localhost")
# We POST to a subscription's endpoint, so only known push services' hosts are accepted.
PUSH_WEBPUSH_HOSTS = env.list(
    "PUSH_WEBPUSH_HOSTS",
    default=[
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)
PUSH_WEBPUSH_ALLOW_HTTP = env.bool("PUSH_WEBPUSH_ALLOW_HTTP", default=False)  # tests' local endpoint only
if IS_PRODUCTION and PUSH_WEBPUSH_ALLOW_HTTP:
    raise ImproperlyConfigured("PUSH_WEBPUSH_ALLOW_HTTP is for tests; production endpoints are https.")

PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="local")
# The local gateway charges nothing real: production refuses it unless this says the system
# is a staging one on purpose.
ALLOW_LOCAL_GATEWAY = env.bool("ALLOW_LOCAL_GATEWAY", default=False)
if IS_PRODUCTION and PAYMENT_GATEWAY == "local" and not ALLOW_LOCAL_GATEWAY:
    raise ImproperlyConfigured(
        "PAYMENT_GATEWAY=local charges nothing real: production needs PAYMENT_GATEWAY=stripe, or "
        "ALLOW_LOCAL_GATEWAY=true on a staging system."
    )
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# The e-mail provider's bounce webhook (POST /api/v1/billing/email/bounce/) signs with this.
EMAIL_WEBHOOK_SECRET = env.str("EMAIL_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # tests point this at a local server
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
# The library retries network errors with *our* idempotency key, so a retry never charges twice.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
if IS_PRODUCTION and PAYMENT_GATEWAY == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")

# --- Outbound webhooks (marketplace/outbound.py) -----------------------------------------
# Hosts (``host`` or ``host:port``) a pro's webhook may reach over plain http and on a
# non-public address: for local integration testing only. Empty by default, also under
# `make run`: every webhook then goes over https to public addresses only.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])

# --- Security (production) --------------------------------------------------------------
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Logging: structured (JSON in production, readable in development) -------------------
import structlog  # noqa: E402

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
_renderer = structlog.processors.JSONRenderer() if IS_PRODUCTION else structlog.dev.ConsoleRenderer(colors=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": _renderer,
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_structlog": {"level": "WARNING" if DJANGO_ENV == "test" else LOG_LEVEL},
    },
}
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Demo data (make run) — never loaded in production.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345")

# --- Observability: metrics and error reporting (README "Observability") ------------------
# /metrics: staff sessions, `Authorization: Bearer METRICS_TOKEN`, or these client addresses.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=["celery"])
PROMETHEUS_EXPORT_MIGRATIONS = False
# Under gunicorn, PROMETHEUS_MULTIPROC_DIR (an empty directory) makes every worker's samples
# count: prometheus_client reads it from the environment itself.

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from marketplace.sentry import sentry_init  # noqa: E402

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
