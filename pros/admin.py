"""Admin for categories, pros (with areas and services inline), services and reviews.

Staff see and change only their marketplace's rows (TenantAdmin). Derived figures (Star
Score, review count, completeness, rank) are read-only; reviews are read-only evidence that
staff may remove (the Star Score is then recomputed).
"""

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.admin_tools import AuditedSaveMixin, CsvExportMixin, PhoneSearchMixin, admin_list_link
from console.audit import staff_action_record
from console.models import StaffActionKind
from marketplace.admin_base import TenantAdmin, TenantInline
from marketplace.errors import DomainError
from marketplace.models import MembershipTier
from marketplace.network import public_web_url
from marketplace.outbound import OutboundRefused, outbound_url_check
from marketplace.postal import InvalidPostalCode, normalise_area
from pros.models import Category, Pro, ProArea, Review, Service
from pros.services import pro_completeness_refresh, service_validate, star_scores_recompute

DERIVED_PRO_FIELDS = (
    "star_score",
    "review_count",
    "completeness",
    "response_rate",
    "median_response_seconds",
    "demoted",
    "demoted_since",
    "rank_score",
    "last_active_at",
    "created_at",
    "updated_at",
)


class ProAreaForm(forms.ModelForm):
    """Area codes are normalised and checked with the marketplace's postal scheme, as in the API."""

    def _post_clean(self):
        pro = getattr(self.instance, "pro", None)
        area = self.cleaned_data.get("area")
        if pro is not None and area:
            try:
                self.cleaned_data["area"] = normalise_area(pro.marketplace.postal_scheme, area)
            except InvalidPostalCode as exc:
                self.add_error("area", str(exc))
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook, not in the stubs


class ServiceForm(forms.ModelForm):
    """The API's service rules in the admin too (pros.services.service_validate)."""

    def _post_clean(self):
        super()._post_clean()  # type: ignore[misc]  # Django's ModelForm hook, not in the stubs
        service = self.instance
        if self.errors or service.pro_id is None or service.category_id is None:
            return
        service.marketplace_id = service.marketplace_id or service.pro.marketplace_id
        try:
            service_validate(service)
        except DomainError as exc:
            details = " ".join(f"{field}: {' '.join(map(str, messages_))}" for field, messages_ in exc.fields.items())
            self.add_error(None, f"{exc.message} {details}".strip())


class ProAreaInline(TenantInline):
    model = ProArea
    form = ProAreaForm
    fields = ("area",)


class ServiceInline(TenantInline):
    model = Service
    form = ServiceForm
    fields = ("category", "title", "promotion_enabled", "is_active", "price_min", "price_max")
    show_change_link = True


class SubcategoryInline(TenantInline):
    model = Category
    fk_name = "parent"
    fields = ("slug", "name", "fee_new", "fee_matched", "fee_promotion", "is_active")
    verbose_name_plural = "subcategories"


class InlineMarketplaceMixin:
    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            instance.marketplace_id = form.instance.marketplace_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class ProForm(forms.ModelForm):
    """The API's URL rules in the admin too: the webhook reaches public https addresses only,
    the website (a redirect target) is http(s) on a host name or a public address."""

    def clean_website(self):
        url = self.cleaned_data.get("website") or ""
        if url and not public_web_url(url):
            raise forms.ValidationError(_("Must be an http or https URL on a public host."))
        return url

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url") or ""
        if url:
            try:
                outbound_url_check(url)
            except OutboundRefused as exc:
                raise forms.ValidationError(str(exc)) from None
        return url


@admin.register(Category)
class CategoryAdmin(AuditedSaveMixin, InlineMarketplaceMixin, TenantAdmin):
    list_display = ("name", "slug", "parent", "fee_new", "fee_matched", "fee_promotion", "is_active")
    list_filter = ("is_active", ("parent", admin.EmptyFieldListFilter))
    list_editable = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SubcategoryInline]
    audited_fields = {StaffActionKind.CATEGORY_FEES_CHANGED: ("fee_new", "fee_matched", "fee_promotion")}


TIER_FIELDS = ("tier",)
STATUS_FIELDS = ("paused", "suspended", "weekly_spend_cap")


@admin.register(Pro)
class ProAdmin(PhoneSearchMixin, CsvExportMixin, AuditedSaveMixin, InlineMarketplaceMixin, TenantAdmin):
    form = ProForm
    list_display = (
        "name",
        "tier",
        "star_score",
        "review_count",
        "completeness",
        "paused",
        "suspended",
        "demoted",
        "phone",
        "member_emails",
    )
    list_filter = ("tier", "paused", "suspended", "demoted", ("created_at", admin.DateFieldListFilter))
    list_editable = ("tier", "paused", "suspended")
    search_fields = ("name", "slug", "phone", "website", "areas__area", "members__email", "members__name")
    phone_search_fields = ("phone",)
    ordering = ("name", "pk")
    readonly_fields = (*DERIVED_PRO_FIELDS, "webhook_secret", "related_records")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ProAreaInline, ServiceInline]
    actions = ["make_brand_builder", "make_basic", "recompute_scores"]
    audited_fields = {StaffActionKind.TIER_CHANGED: TIER_FIELDS, StaffActionKind.PRO_STATUS_CHANGED: STATUS_FIELDS}
    csv_columns = [
        ("pro_id", "pk"),
        ("name", "name"),
        ("slug", "slug"),
        ("tier", "tier"),
        ("phone", "phone"),
        ("website", "website"),
        ("members", lambda pro: " ".join(pro.members.values_list("email", flat=True))),
        ("star_score", "star_score"),
        ("review_count", "review_count"),
        ("response_rate", "response_rate"),
        ("demoted", "demoted"),
        ("paused", "paused"),
        ("suspended", "suspended"),
        ("created_at", "created_at"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("members"))
    def member_emails(self, pro):
        return ", ".join(member.email for member in pro.members.all())

    @admin.display(description=_("related records"))
    def related_records(self, pro):
        if pro.pk is None:
            return "—"
        from django.utils.html import format_html_join

        links = [
            admin_list_link("leads_lead", _("Leads"), pro__id__exact=pro.pk),
            admin_list_link("billing_charge", _("Charges"), pro__id__exact=pro.pk),
            admin_list_link("billing_ledgerentry", _("Ledger"), pro__id__exact=pro.pk),
            admin_list_link("billing_leaddispute", _("Disputes"), pro__id__exact=pro.pk),
            admin_list_link("pros_review", _("Reviews"), pro__id__exact=pro.pk),
            admin_list_link("marketplace_user", _("Members"), pro__id__exact=pro.pk),
            admin_list_link("ranking_prodailysnapshot", _("Standing history"), pro__id__exact=pro.pk),
        ]
        from django.urls import reverse

        standing = format_html(
            '<a href="{}">{}</a>', reverse("admin:ranking_proranking_change", args=[pro.pk]), _("Standing and why")
        )
        return format_html_join(" · ", "{}", [(link,) for link in [*links, standing]])

    @admin.action(description=_("Set tier: Brand Builder"))
    def make_brand_builder(self, request, queryset):
        self._set_tier(request, queryset, MembershipTier.BRAND_BUILDER)

    @admin.action(description=_("Set tier: Basic"))
    def make_basic(self, request, queryset):
        self._set_tier(request, queryset, MembershipTier.BASIC)

    def _set_tier(self, request, queryset, tier: str) -> None:
        """Each pro whose tier changes gets an admin history entry and an audit row."""
        changed = 0
        pro_ids = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for pro in Pro.objects.select_for_update().filter(pk__in=pro_ids).exclude(tier=tier).order_by("pk"):
                before = pro.tier
                pro.tier = tier
                pro.save(update_fields=["tier", "updated_at"])
                staff_action_record(
                    actor=request.user,
                    obj=pro,
                    kind=StaffActionKind.TIER_CHANGED,
                    before={"tier": before},
                    after={"tier": tier},
                )
                changed += 1
        message = ngettext("%(count)d pro set to %(tier)s.", "%(count)d pros set to %(tier)s.", changed)
        self.message_user(request, message % {"count": changed, "tier": MembershipTier(tier).label}, messages.SUCCESS)

    @admin.action(description=_("Recompute Star Score and completeness"))
    def recompute_scores(self, request, queryset):
        pros = list(queryset)
        star_scores_recompute(pro_ids=[pro.pk for pro in pros])
        for pro in pros:
            pro_completeness_refresh(pro=pro)
        message = ngettext("Recomputed %(count)d pro.", "Recomputed %(count)d pros.", len(pros))
        self.message_user(request, message % {"count": len(pros)}, messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pro_completeness_refresh(pro=form.instance)


@admin.register(Service)
class ServiceAdmin(TenantAdmin):
    form = ServiceForm
    autocomplete_fields = ("pro", "category")
    list_display = ("title", "pro", "category", "promotion_enabled", "is_active", "price_min", "price_max")
    list_filter = ("promotion_enabled", "is_active", "category")
    list_editable = ("is_active",)
    search_fields = ("title", "pro__name", "category__name")
    list_select_related = ("pro", "category")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Review)
class ReviewAdmin(TenantAdmin):
    list_display = ("pro", "rating", "homeowner", "created_at")
    list_filter = ("rating", ("created_at", admin.DateFieldListFilter))
    search_fields = ("pro__name", "homeowner__email", "comment")
    date_hierarchy = "created_at"
    list_select_related = ("pro", "homeowner")
    readonly_fields = ("pro", "homeowner", "lead", "rating", "comment", "created_at")
    staff_can_add = False
    staff_can_delete = True

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        with transaction.atomic():
            pro_id = obj.pro_id
            super().delete_model(request, obj)
            star_scores_recompute(pro_ids=[pro_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            pro_ids = list(queryset.values_list("pro_id", flat=True).distinct())
            super().delete_queryset(request, queryset)
            star_scores_recompute(pro_ids=pro_ids)
