"""Writes of the pros app: profiles and areas, services, staff changes, reviews, Star Score."""

from __future__ import annotations

import datetime
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from marketplace.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.models import Marketplace, MembershipTier, User
from marketplace.network import public_web_url
from marketplace.outbound import OutboundRefused, outbound_url_check
from marketplace.postal import InvalidPostalCode, area_code_for, normalise_area
from pros.hooks import reviewable_jobs
from pros.models import Category, Pro, ProArea, Review, Service
from pros.star_score import star_score

logger = structlog.get_logger(__name__)

MAX_AREAS = 200
MAX_LEAD_TIME_DAYS = 365


def _invalid(field: str, message: StrOrPromise, code: str = "invalid") -> Invalid:
    return Invalid(code, _("The request has invalid fields."), fields={field: [message]})


def _unique_slug(*, marketplace: Marketplace, name: str) -> str:
    base = slugify(name)[:150] or "pro"
    taken = set(Pro.objects.filter(marketplace=marketplace, slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def pro_create(*, marketplace: Marketplace, name: str) -> Pro:
    return Pro.objects.create(marketplace=marketplace, name=name, slug=_unique_slug(marketplace=marketplace, name=name))


def pro_business_create(*, marketplace: Marketplace, name: str) -> int:
    """``marketplace.hooks.pro_business_create``: registration of a pro member opens its business."""
    return pro_create(marketplace=marketplace, name=name).pk


# --- areas and completeness --------------------------------------------------------------


def _area_of(*, marketplace: Marketplace, raw: str, field: str) -> str:
    try:
        return normalise_area(marketplace.postal_scheme, raw)
    except InvalidPostalCode as exc:
        error = exc
    try:
        return area_code_for(marketplace.postal_scheme, raw)
    except InvalidPostalCode:
        raise Invalid(
            "invalid_area", f"{raw!r} is not an area code here. {error}", fields={field: [f"{raw!r}: {error}"]}
        ) from None


def areas_normalise(*, marketplace: Marketplace, areas: Iterable[str], field: str = "areas") -> list[str]:
    """Validate and normalise area codes through the marketplace's postal scheme; dedupe, sort.

    A full postal code is accepted too and reduced to its area (``M5V 3L9`` → ``M5V``).
    """
    normalised: set[str] = set()
    for raw in areas:
        normalised.add(_area_of(marketplace=marketplace, raw=str(raw), field=field))
    if len(normalised) > MAX_AREAS:
        raise _invalid(field, f"At most {MAX_AREAS} areas.")
    return sorted(normalised)


def pro_areas_set(*, pro: Pro, areas: Iterable[str]) -> list[str]:
    """Replace the pro's service areas (one ProArea row each) with ``areas``."""
    wanted = areas_normalise(marketplace=pro.marketplace, areas=areas)
    with transaction.atomic():
        ProArea.objects.filter(pro=pro).exclude(area__in=wanted).delete()
        ProArea.objects.bulk_create(
            [ProArea(marketplace_id=pro.marketplace_id, pro=pro, area=area) for area in wanted],
            ignore_conflicts=True,
        )
    return wanted


COMPLETENESS_PARTS: tuple[tuple[str, int], ...] = (
    ("description", 20),
    ("phone", 15),
    ("website", 10),
    ("photos", 15),
    ("areas", 20),
    ("services", 20),
)


def pro_completeness(*, pro: Pro) -> tuple[int, list[str]]:
    """(0-100, what is missing): each filled part of the profile adds its weight."""
    filled = {
        "description": len(pro.description.strip()) >= 40,
        "phone": bool(pro.phone.strip()),
        "website": bool(pro.website.strip()),
        "photos": bool(pro.photos),
        "areas": ProArea.objects.filter(pro=pro).exists(),
        "services": Service.objects.filter(pro=pro, is_active=True).exists(),
    }
    score = sum(weight for part, weight in COMPLETENESS_PARTS if filled[part])
    missing = [part for part, _ in COMPLETENESS_PARTS if not filled[part]]
    return score, missing


def pro_completeness_refresh(*, pro: Pro) -> int:
    score, _ = pro_completeness(pro=pro)
    if score != pro.completeness:
        Pro.objects.filter(pk=pro.pk).update(completeness=score, updated_at=timezone.now())
        pro.completeness = score
    return score


# --- profile -----------------------------------------------------------------------------

PROFILE_FIELDS = ("name", "description", "phone", "website", "photos", "paused", "weekly_spend_cap", "webhook_url")


def _check_http_url(field: str, value: str) -> None:
    """Websites and photos are shown to visitors and the website click redirects to them:
    http(s) on a host name or a public address only (marketplace.network.public_web_url)."""
    if value and not public_web_url(value):
        raise _invalid(field, "Must be an http or https URL on a public host.")


@transaction.atomic
def pro_profile_update(*, pro: Pro, actor: User, changes: dict[str, Any]) -> Pro:
    """Apply a pro's own profile edit. ``areas`` replaces the service areas."""
    if "website" in changes:
        _check_http_url("website", changes["website"] or "")
    if changes.get("webhook_url"):
        try:
            outbound_url_check(changes["webhook_url"])
        except OutboundRefused as exc:
            raise _invalid("webhook_url", str(exc)) from None
    for photo in changes.get("photos") or []:
        _check_http_url("photos", photo)
    cap = changes.get("weekly_spend_cap", pro.weekly_spend_cap)
    if cap is not None and cap < 0:
        raise _invalid("weekly_spend_cap", _("Must be zero or more."))
    # Checked first: the webhook check resolves a host name, never while the row is locked.
    pro = Pro.objects.select_for_update().get(pk=pro.pk)
    changed = [field for field in PROFILE_FIELDS if field in changes]
    for field in changed:
        setattr(pro, field, changes[field] if changes[field] is not None or field == "weekly_spend_cap" else "")
    if "webhook_url" in changes:
        if not pro.webhook_url:
            pro.webhook_secret = ""
        elif not pro.webhook_secret:
            pro.webhook_secret = secrets.token_hex(32)
        changed.append("webhook_secret")
    # Only the fields the pro edited: derived figures other apps write are never overwritten.
    pro.save(update_fields=[*changed, "updated_at"])
    if "areas" in changes:
        pro_areas_set(pro=pro, areas=changes["areas"])
    pro_completeness_refresh(pro=pro)
    logger.info("pro_profile_updated", pro_id=pro.pk, actor_id=actor.pk, fields=sorted(changes))
    return pro


@transaction.atomic
def pro_staff_update(
    *,
    pro: Pro,
    actor: User,
    tier: str | None = None,
    paused: bool | None = None,
    suspended: bool | None = None,
) -> Pro:
    """Staff change a pro's membership tier, pause or suspension."""
    pro = Pro.objects.select_for_update().get(pk=pro.pk)
    changed = []
    if tier is not None:
        if tier not in MembershipTier.values:
            raise _invalid(
                "tier", format_lazy(_("Must be one of {choices}."), choices=", ".join(MembershipTier.values))
            )
        pro.tier = tier
        changed.append("tier")
    if paused is not None:
        pro.paused = paused
        changed.append("paused")
    if suspended is not None:
        pro.suspended = suspended
        changed.append("suspended")
    if changed:
        pro.save(update_fields=[*changed, "updated_at"])
        logger.info(
            "pro_staff_updated", pro_id=pro.pk, actor_id=actor.pk, **{field: getattr(pro, field) for field in changed}
        )
    return pro


# --- services ----------------------------------------------------------------------------

SERVICE_FIELDS = (
    "category",
    "title",
    "description",
    "price_min",
    "price_max",
    "promotion_enabled",
    "condition_areas",
    "condition_budget_min",
    "condition_budget_max",
    "condition_lead_time_days",
    "condition_attributes",
    "auto_quote_price_min",
    "auto_quote_price_max",
    "auto_quote_message",
    "is_active",
)


def _check_range(service: Service, low: str, high: str, field: str) -> None:
    low_value, high_value = getattr(service, low), getattr(service, high)
    for name, value in ((low, low_value), (high, high_value)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise _invalid(name, "Must be a whole number of minor units, zero or more.")
    if low_value is not None and high_value is not None and low_value > high_value:
        raise Invalid(
            "range_not_ordered",
            f"The {field} minimum is above its maximum.",
            fields={field: [_("Minimum above maximum.")]},
        )


def _check_attributes(service: Service) -> None:
    attributes = service.condition_attributes
    if not isinstance(attributes, dict):
        raise _invalid("conditions.attributes", _("Must map a question key to its allowed answers."))
    questions = {q.get("key"): q for q in (service.category.questions or []) if isinstance(q, dict)}
    for key, allowed in attributes.items():
        if not isinstance(allowed, list) or not allowed or not all(isinstance(v, str) for v in allowed):
            raise _invalid(
                "conditions.attributes",
                format_lazy(_("{key}: give a non-empty list of allowed answers."), key=repr(key)),
            )
        if questions and key not in questions:
            raise _invalid(
                "conditions.attributes", format_lazy(_("{key} is not a question of this category."), key=repr(key))
            )
        choices = questions.get(key, {}).get("choices") if questions else None
        if choices:
            unknown = [value for value in allowed if value not in [str(c) for c in choices]]
            if unknown:
                raise _invalid(
                    "conditions.attributes",
                    format_lazy(
                        _("{key}: {answers} not among the choices."), key=repr(key), answers=", ".join(unknown)
                    ),
                )


def service_validate(service: Service) -> None:
    """The service rules the API and the admin share: ranges, lead time, areas, attributes, promotion."""
    marketplace = service.pro.marketplace
    if service.category.marketplace_id != service.marketplace_id:
        raise _invalid("category", _("Unknown category."), "unknown_category")
    _check_range(service, "price_min", "price_max", "price")
    _check_range(service, "condition_budget_min", "condition_budget_max", "conditions.budget")
    _check_range(service, "auto_quote_price_min", "auto_quote_price_max", "auto_quote.price")
    if not 0 <= (service.condition_lead_time_days or 0) <= MAX_LEAD_TIME_DAYS:
        raise _invalid(
            "conditions.lead_time_days", format_lazy(_("Between 0 and {days} days."), days=MAX_LEAD_TIME_DAYS)
        )
    service.condition_areas = areas_normalise(
        marketplace=marketplace, areas=service.condition_areas or [], field="conditions.areas"
    )
    _check_attributes(service)
    if service.promotion_enabled:
        policy = getattr(marketplace, "policy", None)
        if policy is not None and not policy.promotion_service_enabled:
            raise Invalid(
                "promotion_not_available",
                _("This marketplace has no promotion service."),
                fields={"promotion_enabled": [_("Not available in this marketplace.")]},
            )
        has_price = service.auto_quote_price_min is not None or service.auto_quote_price_max is not None
        if not has_price or not service.auto_quote_message.strip():
            raise Invalid(
                "auto_quote_required",
                _("A promotion service needs an auto-quote: a price or range and a message."),
                fields={"auto_quote": [_("A price (or range) and a message are required with promotion on.")]},
            )


def _service_save(service: Service) -> Service:
    service_validate(service)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise Conflict(
            "service_exists",
            _("You already offer a service in this category; edit it instead."),
            fields={"category": [_("Already one service in this category.")]},
        ) from None
    return service


@transaction.atomic
def service_create(*, pro: Pro, actor: User, data: dict[str, Any]) -> Service:
    service = Service(marketplace_id=pro.marketplace_id, pro=pro)
    for field, value in data.items():
        if field in SERVICE_FIELDS:
            setattr(service, field, value)
    _service_save(service)
    pro_completeness_refresh(pro=pro)
    return service


@transaction.atomic
def service_update(*, service: Service, actor: User, data: dict[str, Any]) -> Service:
    service = Service.objects.select_for_update().select_related("pro__marketplace", "category").get(pk=service.pk)
    for field, value in data.items():
        if field in SERVICE_FIELDS:
            setattr(service, field, value)
    _service_save(service)
    pro_completeness_refresh(pro=service.pro)
    return service


@transaction.atomic
def service_delete(*, service: Service, actor: User) -> None:
    pro = service.pro
    service.delete()
    pro_completeness_refresh(pro=pro)


# --- categories (staff and demo) -----------------------------------------------------------


def category_ensure(
    *,
    marketplace: Marketplace,
    slug: str,
    name: str,
    parent: Category | None = None,
    questions: list[dict] | None = None,
    fees: dict[str, int | None] | None = None,
) -> Category:
    """Create the category if its slug is new here; an existing one is left as staff edited it."""
    defaults: dict[str, Any] = {"name": name, "parent": parent, "questions": questions or []}
    defaults.update({f"fee_{kind}": amount for kind, amount in (fees or {}).items()})
    category, _ = Category.objects.get_or_create(marketplace=marketplace, slug=slug, defaults=defaults)
    return category


# --- reviews and Star Score --------------------------------------------------------------


@transaction.atomic
def review_submit(*, homeowner: User, pro: Pro, rating: int, comment: str = "") -> tuple[Review, bool]:
    """A homeowner reviews a pro it connected with; ``(review, created)``.

    One review per homeowner and pro: a second submission edits the first (rating and
    comment), so it counts once in the review count and Star Score. ``no_connection`` without
    a real connection (``pros.hooks.reviewable_jobs``: hired, auto-quoted, or the pro paid a
    non-zero fee); ``own_business`` for a member of the pro's business.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid("rating", _("A whole number from 1 to 5."))
    if homeowner.marketplace_id != pro.marketplace_id or pro.suspended:
        raise NotFound("not_found", _("Not found."))
    if homeowner.pro_id == pro.pk:
        raise Forbidden("own_business", _("Members of a business cannot review it."))
    # Reviews of one pro queue on its row: each recount below then sees every review committed
    # before it, and one homeowner's concurrent submissions find each other's review.
    list(Pro.objects.select_for_update().filter(pk=pro.pk).values_list("pk", flat=True))
    review = Review.objects.filter(pro=pro, homeowner=homeowner).first()
    if review is not None:
        review.rating, review.comment, review.edited_at = rating, comment, timezone.now()
        review.save(update_fields=["rating", "comment", "edited_at"])
        star_scores_recompute(pro_ids=[pro.pk])
        logger.info("review_edited", review_id=review.pk, pro_id=pro.pk, homeowner_id=homeowner.pk)
        return review, False
    lead = reviewable_jobs(homeowner=homeowner, pro=pro).select_for_update(of=("self",)).first()
    if lead is None:
        raise Forbidden(
            "no_connection",
            _(
                "You can review a pro only after you hired it, it sent you an auto-quote, "
                "or it paid to answer one of your requests."
            ),
        )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                marketplace_id=pro.marketplace_id,
                pro=pro,
                homeowner=homeowner,
                lead=lead,
                rating=rating,
                comment=comment,
            )
    except IntegrityError:  # only without the pro-row lock above (it serialises submissions)
        raise Conflict("already_reviewed", _("You have already reviewed this pro.")) from None
    star_scores_recompute(pro_ids=[pro.pk])
    return review, True


def star_scores_recompute(*, pro_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Recompute Star Score and review count for these pros; returns how many rows changed."""
    now = now or timezone.now()
    ids = list(pro_ids)
    if not ids:
        return 0
    by_pro: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
    for pro_id, rating, created_at in Review.objects.filter(pro_id__in=ids).values_list(
        "pro_id", "rating", "created_at"
    ):
        by_pro[pro_id].append((rating, created_at))
    changed = []
    for pro in Pro.objects.filter(pk__in=ids).only("pk", "star_score", "review_count"):
        reviews = by_pro.get(pro.pk, [])
        score, count = star_score(reviews, now=now), len(reviews)
        if (score, count) != (pro.star_score, pro.review_count):
            pro.star_score, pro.review_count = score, count
            changed.append(pro)
    Pro.objects.bulk_update(changed, ["star_score", "review_count"], batch_size=_batch_size())
    return len(changed)


def star_scores_recompute_all(*, now: datetime.datetime | None = None) -> int:
    """Nightly: re-apply the recency decay to every pro with reviews (or a stale score), in batches."""
    now = now or timezone.now()
    batch = _batch_size()
    stale = Pro.objects.filter(review_count__gt=0).order_by().values_list("pk", flat=True)
    reviewed = Review.objects.order_by().values_list("pro_id", flat=True)
    candidates = stale.union(reviewed)
    ids = sorted(candidates)
    changed = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            changed += star_scores_recompute(pro_ids=ids[start : start + batch], now=now)
    return changed


def _batch_size() -> int:
    return int(getattr(settings, "CELERY_BATCH_SIZE", 1000))
