"""Reads of the pros app. The marketplace is always an explicit argument."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from marketplace.errors import Invalid
from marketplace.models import Marketplace, MarketplacePolicy, MembershipTier
from marketplace.selectors import marketplace_policy
from pros.models import Category, Pro, ProArea, Review, Service

FEE_KINDS = ("new", "matched", "promotion")


def contact_fee(*, marketplace: Marketplace, category: Category, kind: str) -> int:
    """The contact fee in minor units for a lead of ``kind`` in ``category``.

    The category's own entry wins; a subcategory without one inherits its parent's; when
    neither sets it, the marketplace policy's default for that kind applies.
    """
    if kind not in FEE_KINDS:
        raise ValueError(f"unknown lead kind {kind!r}")
    if category.marketplace_id != marketplace.pk:
        raise ValueError("category belongs to another marketplace")
    field = f"fee_{kind}"
    own = getattr(category, field)
    if own is not None:
        return int(own)
    if category.parent_id is not None:
        inherited = Category.objects.filter(pk=category.parent_id).values_list(field, flat=True).first()
        if inherited is not None:
            return int(inherited)
    policy = marketplace_policy(marketplace)
    return int(getattr(policy, field))


def category_list(*, marketplace: Marketplace, queryset: QuerySet[Category] | None = None) -> QuerySet[Category]:
    """The marketplace's active categories, top level first, then by name."""
    queryset = Category.objects.all() if queryset is None else queryset
    return queryset.filter(marketplace=marketplace, is_active=True).order_by(
        F("parent_id").asc(nulls_first=True), "name", "pk"
    )


def category_resolve(*, marketplace: Marketplace, value: object, field: str = "category") -> Category:
    """A category of this marketplace by id or slug, or a 400 naming ``field``."""
    queryset = Category.objects.filter(marketplace=marketplace, is_active=True)
    text = str(value).strip() if value is not None else ""
    if "\x00" in text:
        text = ""  # PostgreSQL text cannot hold NUL: no category is named so (found by fuzzing)
    category = None
    if text.isascii() and text.isdigit():  # "³".isdigit() is true, int("³") raises
        category = queryset.filter(pk=int(text)).first()
    elif text:
        category = queryset.filter(slug=text.lower()).first()
    if category is None:
        raise Invalid(
            "unknown_category", _("No such category in this marketplace."), fields={field: [_("Unknown category.")]}
        )
    return category


def pro_areas(*, pro: Pro) -> list[str]:
    return list(
        ProArea.objects.filter(marketplace_id=pro.marketplace_id, pro=pro)
        .order_by("area")
        .values_list("area", flat=True)
    )


def _in_category_family(category: Category, *, as_constants: bool = False) -> Q:
    """Services in the category or one of its active subcategories (two levels): as a subquery
    of the same statement, so the category index on services still drives the scan; or, when
    each pro's services are probed one pro at a time, as the family's ids read first (a
    handful), since a subquery there invites a hash join over every service of the marketplace."""
    family = Category.objects.filter(Q(pk=category.pk) | Q(parent_id=category.pk, is_active=True))
    if as_constants:
        return Q(category_id__in=list(family.values_list("pk", flat=True)))
    return Q(category_id__in=family.values("pk"))


# Up to this many serving pros are selected first and the list read by primary key; past it
# the list walks the rank index and probes each pro's services (matches are then common, so a
# page meets its rows early) instead of carrying tens of thousands of ids through Python.
SERVING_IDS_LIMIT = 2000


def _serving_services(*, marketplace: Marketplace, in_family: Q | None, area: str | None) -> QuerySet[Service]:
    """Active services in the category family (when given) serving ``area`` (when given)."""
    services = Service.objects.filter(marketplace=marketplace, is_active=True)
    if in_family is not None:
        services = services.filter(in_family)
    if area is not None:
        pro_serves_area = ProArea.objects.filter(marketplace=marketplace, pro=OuterRef("pro_id"), area=area)
        services = services.filter(
            Q(condition_areas__icontains=f'"{area}"') | (Q(condition_areas=[]) & Exists(pro_serves_area))
        )
    return services


def pro_public_list(
    *,
    marketplace: Marketplace,
    category: Category | None = None,
    area: str | None = None,
    queryset: QuerySet[Pro] | None = None,
) -> QuerySet[Pro]:
    """Pros a homeowner may find: not suspended, not paused, with an active service in the
    category (or a subcategory) serving the area. Best rank first, then Star Score, review
    count and id, so the order is total and pages are stable.

    With a category or an area, the serving pros are selected first in their own query (one
    index scan of the category's services, one of the area's rows), and the page is then
    read by primary key. A single query with a semi-join lets PostgreSQL walk every pro in
    rank order hoping to meet matches early, which is slow exactly when matches are few; so
    only when they are many (more than ``SERVING_IDS_LIMIT``, or no filter at all) does the
    list walk ``pro_public_list_idx`` in rank order, probing each pro's services.
    """
    base = Pro.objects.all() if queryset is None else queryset
    pros = base.filter(marketplace=marketplace, suspended=False, paused=False)
    in_family = _in_category_family(category) if category is not None else None
    serving = None
    if category is not None or area is not None:
        services = _serving_services(marketplace=marketplace, in_family=in_family, area=area)
        serving = list(services.order_by().values_list("pro_id", flat=True).distinct()[: SERVING_IDS_LIMIT + 1])
    if serving is not None and len(serving) <= SERVING_IDS_LIMIT:
        pros = pros.filter(pk__in=serving)
    else:
        if category is not None:
            in_family = _in_category_family(category, as_constants=True)
        services = _serving_services(marketplace=marketplace, in_family=in_family, area=area)
        pros = pros.filter(Exists(services.filter(pro=OuterRef("pk"))))
    instant_quote = Service.objects.filter(
        marketplace=marketplace, pro=OuterRef("pk"), is_active=True, promotion_enabled=True
    )
    if in_family is not None:
        instant_quote = instant_quote.filter(in_family)
    # A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS in the select list into a
    # hashed subplan that reads every promoted service of the marketplace; this one probes
    # the services of each row the page returns, and only those.
    flag = instant_quote.annotate(flag=Value(True)).values("flag")[:1]
    has_instant_quote = Coalesce(Subquery(flag, output_field=BooleanField()), Value(False))
    return pros.annotate(has_instant_quote=has_instant_quote).order_by(
        "-rank_score", "-star_score", "-review_count", "pk"
    )


def pro_public_detail_queryset(*, marketplace: Marketplace, queryset: QuerySet[Pro] | None = None) -> QuerySet[Pro]:
    """Publicly visible pros (suspended ones never are), with what the profile shows."""
    services = Service.objects.filter(is_active=True).select_related("category").order_by("category__name", "pk")
    base = Pro.objects.all() if queryset is None else queryset
    return (
        base.filter(marketplace=marketplace, suspended=False)
        .annotate(
            has_instant_quote=Exists(Service.objects.filter(pro=OuterRef("pk"), is_active=True, promotion_enabled=True))
        )
        .prefetch_related(
            Prefetch("services", queryset=services, to_attr="public_services"),
            Prefetch("areas", queryset=ProArea.objects.order_by("area"), to_attr="area_rows"),
        )
    )


def review_recent(*, marketplace: Marketplace, pro_id: int, limit: int = 10) -> list[Review]:
    """A pro's latest reviews, newest first (its public profile shows them)."""
    return list(
        Review.objects.filter(marketplace=marketplace, pro_id=pro_id)
        .select_related("homeowner")
        .order_by("-created_at", "-pk")[:limit]
    )


def shows_contact(*, pro: Pro, policy: MarketplacePolicy) -> bool:
    """Whether this pro may show a phone number and website (Rule 8)."""
    return pro.tier == MembershipTier.BRAND_BUILDER or not policy.members_only_contact_display
