"""Input and output shapes of the pros API. Server-owned fields are never writable."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.api.fields import MAX_AMOUNT, BoundedDictField, StrictIntegerField, amount_field
from marketplace.api.money import Money, money
from marketplace.errors import DomainError
from marketplace.models import MembershipTier
from marketplace.selectors import marketplace_policy
from marketplace.tracked_links import tracked_link_url
from pros.i18n import category_questions as translated_questions
from pros.models import Category, Pro, Review, Service
from pros.questions import MAX_ANSWER_KEY_LENGTH, MAX_ANSWERS
from pros.selectors import category_resolve, shows_contact
from pros.services import COMPLETENESS_PARTS, pro_completeness

# --- shared pieces -------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class MoneyInputField(serializers.Field):
    """An amount in minor units: a bare integer, or ``{"amount": int, "currency": <ours>}``."""

    default_error_messages = {
        "invalid": "Give a whole number of minor units, or an object with amount and currency.",
        "max_value": "At most {max_value} minor units.",
        "currency": "Amounts here are in {currency}.",
    }

    def to_internal_value(self, data):
        currency = self.context["marketplace"].currency
        if isinstance(data, dict):
            if data.get("currency", currency) != currency:
                self.fail("currency", currency=currency)
            data = data.get("amount")
        if isinstance(data, bool) or not isinstance(data, int) or data < 0:
            self.fail("invalid")
        if data > MAX_AMOUNT:
            self.fail("max_value", max_value=MAX_AMOUNT)
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.STR)
class CategoryRefField(serializers.Field):
    """A category of the request's marketplace by id or slug (400 naming the field when unknown)."""

    def to_internal_value(self, data):
        field = self.field_name or "category"
        try:
            return category_resolve(marketplace=self.context["marketplace"], value=data, field=field)
        except DomainError as exc:
            raise serializers.ValidationError(exc.fields[field]) from None

    def to_representation(self, value):
        return value.pk


# --- categories ----------------------------------------------------------------------------


class CategoryQuestion(serializers.Serializer):
    key = serializers.CharField(help_text="The key of the answer in a quote request's `answers`.")
    label = serializers.CharField(help_text="The question as shown to the homeowner.")  # type: ignore[assignment]
    type = serializers.ChoiceField(
        choices=["choice", "text", "number"], help_text="How to answer: one of `choices`, free text, or a number."
    )
    choices = serializers.ListField(child=serializers.CharField(), help_text="Allowed answers (type `choice`).")
    max_length = serializers.IntegerField(allow_null=True, help_text="Longest text answer; null: the API's limit.")
    choice_labels = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each choice value with its text in the request's language (answers store the value).",
    )


def _question_output(key: str, question: dict) -> dict:
    choices = [str(choice) for choice in question.get("choices") or [] if isinstance(choice, str | int)]
    kind = question.get("type") or ("choice" if choices else "text")
    max_length = question.get("max_length")
    return {
        "key": key,
        "label": str(question.get("label") or key),
        "type": kind if kind in ("choice", "text", "number") else "text",
        "choices": choices,
        "max_length": max_length if isinstance(max_length, int) and not isinstance(max_length, bool) else None,
        "choice_labels": {choice: str((question.get("choice_labels") or {}).get(choice, choice)) for choice in choices},
    }


class CategoryOutput(serializers.ModelSerializer):
    """Name and questions in the request's language (pros/i18n.py: fallback to the base text);
    each question keeps its choice values and adds ``choice_labels`` to show."""

    name = serializers.CharField(source="display_name", read_only=True)
    questions = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "parent", "questions"]
        read_only_fields = fields

    @extend_schema_field(CategoryQuestion(many=True))
    def get_questions(self, category: Category) -> list[dict]:
        """The well-formed questions, labels in the request's language."""
        return [
            _question_output(str(question["key"]), question)
            for question in translated_questions(category)
            if isinstance(question.get("key"), str)
        ]


# --- public pro payloads -------------------------------------------------------------------


class PublicProBase(serializers.ModelSerializer):
    photos = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Photo URLs.")
    badges = serializers.SerializerMethodField()
    has_phone = serializers.SerializerMethodField()
    has_website = serializers.SerializerMethodField()
    phone_url = serializers.SerializerMethodField()
    website_url = serializers.SerializerMethodField()

    def _shows_contact(self, pro: Pro) -> bool:
        return shows_contact(pro=pro, policy=marketplace_policy(self.context["marketplace"]))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_badges(self, pro: Pro) -> list[str]:
        policy = marketplace_policy(self.context["marketplace"])
        badges = []
        if pro.tier == MembershipTier.BRAND_BUILDER:
            badges.append("brand_builder")
        if pro.review_count and pro.star_score >= policy.star_score_threshold:
            badges.append("top_rated")
        if policy.promotion_service_enabled and getattr(pro, "has_instant_quote", False):
            badges.append("instant_quote")
        return badges

    def get_has_phone(self, pro: Pro) -> bool:
        return bool(pro.phone) and self._shows_contact(pro)

    def get_has_website(self, pro: Pro) -> bool:
        return bool(pro.website) and self._shows_contact(pro)

    def _tracked_link(self, pro: Pro, kind: str) -> str:
        return tracked_link_url(
            request=self.context.get("request"), marketplace_id=pro.marketplace_id, pro_id=pro.pk, kind=kind
        )

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="Absolute tracked link to dial the pro: opened (no header needed) it counts a phone click "
            "and redirects to `tel:`. null when the pro shows no phone. Apps that show the number themselves "
            "call `GET /api/v1/pros/{id}/phone/`.",
        )
    )
    def get_phone_url(self, pro: Pro) -> str | None:
        return self._tracked_link(pro, "phone") if self.get_has_phone(pro) else None

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="Absolute tracked link to the pro's website for a browser or a shared link (no header "
            "needed): it counts a website click and redirects to the site. null when the pro shows no website.",
        )
    )
    def get_website_url(self, pro: Pro) -> str | None:
        return self._tracked_link(pro, "website") if self.get_has_website(pro) else None


PUBLIC_PRO_FIELDS = [
    "id",
    "name",
    "slug",
    "description",
    "photos",
    "tier",
    "star_score",
    "review_count",
    "rank_score",
    "badges",
    "has_phone",
    "has_website",
    "phone_url",
    "website_url",
]


class PublicProListOutput(PublicProBase):
    class Meta:
        model = Pro
        fields = PUBLIC_PRO_FIELDS
        read_only_fields = fields


class ConditionsOutput(serializers.Serializer):
    areas = serializers.ListField(child=serializers.CharField())
    budget_min = serializers.IntegerField(allow_null=True)
    budget_max = serializers.IntegerField(allow_null=True)
    lead_time_days = serializers.IntegerField()
    attributes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class AutoQuoteOutput(serializers.Serializer):
    price_min = serializers.IntegerField(allow_null=True)
    price_max = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class ServiceOutput(serializers.ModelSerializer):
    category = serializers.IntegerField(source="category_id")
    category_slug = serializers.CharField(source="category.slug")
    conditions = serializers.SerializerMethodField()
    auto_quote = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "category",
            "category_slug",
            "title",
            "description",
            "price_min",
            "price_max",
            "promotion_enabled",
            "conditions",
            "auto_quote",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(ConditionsOutput)
    def get_conditions(self, service: Service) -> dict:
        return {
            "areas": list(service.condition_areas or []),
            "budget_min": service.condition_budget_min,
            "budget_max": service.condition_budget_max,
            "lead_time_days": service.condition_lead_time_days,
            "attributes": dict(service.condition_attributes or {}),
        }

    @extend_schema_field(AutoQuoteOutput(allow_null=True))
    def get_auto_quote(self, service: Service) -> dict | None:
        if (
            service.auto_quote_price_min is None
            and service.auto_quote_price_max is None
            and not service.auto_quote_message
        ):
            return None
        return {
            "price_min": service.auto_quote_price_min,
            "price_max": service.auto_quote_price_max,
            "message": service.auto_quote_message,
        }


class PublicConditionsOutput(serializers.Serializer):
    areas = serializers.ListField(child=serializers.CharField(), help_text="Area codes served; empty: all its areas.")
    budget_min = serializers.IntegerField(allow_null=True, help_text="Smallest budget taken, in minor units.")
    budget_max = serializers.IntegerField(allow_null=True, help_text="Largest budget taken, in minor units.")
    lead_time_days = serializers.IntegerField(help_text="Earliest start: this many days from the request.")


class PublicServiceOutput(ServiceOutput):
    """What a homeowner sees of a service: the offer and its public conditions (areas, budget range,
    earliest start), so an app can say which pros auto-quote a job like this one. The job
    attributes it filters on and the auto-quote itself stay private."""

    public_conditions = serializers.SerializerMethodField()

    class Meta(ServiceOutput.Meta):
        # up to promotion_enabled: not the pro's attribute filters, not the auto-quote
        fields = [*ServiceOutput.Meta.fields[:8], "public_conditions"]
        read_only_fields = fields

    @extend_schema_field(PublicConditionsOutput)
    def get_public_conditions(self, service: Service) -> dict:
        conditions = self.get_conditions(service)
        return {key: conditions[key] for key in ("areas", "budget_min", "budget_max", "lead_time_days")}


class ReviewOutput(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["id", "pro", "rating", "comment", "author", "created_at"]
        read_only_fields = fields

    def get_author(self, review: Review) -> str:
        name = (review.homeowner.name or "").strip()
        if not name:
            return "A homeowner"
        first, *rest = name.split()
        return f"{first} {rest[-1][0]}." if rest else first


class PublicProDetailOutput(PublicProBase):
    areas = serializers.SerializerMethodField()
    services = PublicServiceOutput(source="public_services", many=True)
    reviews = serializers.SerializerMethodField()
    paused = serializers.BooleanField()

    class Meta:
        model = Pro
        fields = [*PUBLIC_PRO_FIELDS, "paused", "areas", "services", "reviews"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_areas(self, pro: Pro) -> list[str]:
        return [row.area for row in getattr(pro, "area_rows", [])]  # prefetched by the selector

    @extend_schema_field(ReviewOutput(many=True))
    def get_reviews(self, pro: Pro) -> list[dict[str, Any]]:
        return list(ReviewOutput(self.context.get("recent_reviews", []), many=True).data)


# --- the pro's own profile -----------------------------------------------------------------


class ProProfileOutput(serializers.ModelSerializer):
    photos = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Photo URLs.")
    # Blank when unset, so plain strings rather than "uri" in the schema.
    website = serializers.CharField(read_only=True)
    webhook_url = serializers.CharField(read_only=True)
    areas = serializers.SerializerMethodField()
    weekly_spend_cap = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()
    completeness_missing = serializers.SerializerMethodField()
    completeness_advice = serializers.SerializerMethodField()

    class Meta:
        model = Pro
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "phone",
            "website",
            "photos",
            "areas",
            "paused",
            "suspended",
            "weekly_spend_cap",
            "webhook_url",
            "webhook_secret",
            "tier",
            "star_score",
            "review_count",
            "completeness",
            "completeness_missing",
            "completeness_advice",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_areas(self, pro: Pro) -> list[str]:
        return sorted(pro.areas.values_list("area", flat=True))

    def _completeness(self, pro: Pro) -> tuple[int, list[str]]:
        cache = self.__dict__.setdefault("_completeness_cache", {})
        if pro.pk not in cache:
            cache[pro.pk] = pro_completeness(pro=pro)
        return cache[pro.pk]

    @extend_schema_field(Money(allow_null=True))
    def get_weekly_spend_cap(self, pro: Pro) -> dict | None:
        return money(pro.weekly_spend_cap, self.context["marketplace"].currency)

    def get_completeness(self, pro: Pro) -> int:
        """0-100, derived from what the profile has filled in (see pros/README.md)."""
        return self._completeness(pro)[0]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=[p for p, _ in COMPLETENESS_PARTS]))
    )
    def get_completeness_missing(self, pro: Pro) -> list[str]:
        return self._completeness(pro)[1]

    def get_completeness_advice(self, pro: Pro) -> str:
        missing = self._completeness(pro)[1]
        return "Your profile is complete." if not missing else "Enrich your profile: add " + ", ".join(missing) + "."


class ProProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    phone = serializers.RegexField(r"^\+?[0-9 ()\-.]{6,32}$", max_length=32, allow_blank=True)
    website = serializers.URLField(max_length=500, allow_blank=True)
    photos = serializers.ListField(child=serializers.URLField(max_length=500), max_length=20)
    areas = serializers.ListField(child=serializers.CharField(max_length=16), max_length=200)
    paused = serializers.BooleanField()
    weekly_spend_cap = MoneyInputField(allow_null=True)
    webhook_url = serializers.URLField(max_length=500, allow_blank=True)


# --- the pro's services --------------------------------------------------------------------


class ConditionsInput(serializers.Serializer):
    areas = serializers.ListField(child=serializers.CharField(max_length=16), max_length=200, required=False)
    budget_min = amount_field()
    budget_max = amount_field()
    lead_time_days = StrictIntegerField(min_value=0, max_value=365, required=False)
    attributes = BoundedDictField(
        max_keys=MAX_ANSWERS,
        max_key_length=MAX_ANSWER_KEY_LENGTH,
        child=serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=100),
        value_schema={
            "type": "array",
            "items": {"type": "string", "maxLength": 100},
            "minItems": 1,
            "maxItems": 100,
        },
        description="Per question key of the category, the answers this service accepts.",
        required=False,
    )


class AutoQuoteInput(serializers.Serializer):
    price_min = amount_field()
    price_max = amount_field()
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False)


_CONDITION_FIELDS = {
    "areas": "condition_areas",
    "budget_min": "condition_budget_min",
    "budget_max": "condition_budget_max",
    "lead_time_days": "condition_lead_time_days",
    "attributes": "condition_attributes",
}
_AUTO_QUOTE_FIELDS = {
    "price_min": "auto_quote_price_min",
    "price_max": "auto_quote_price_max",
    "message": "auto_quote_message",
}


class ServiceInput(serializers.Serializer):
    category = CategoryRefField()
    title = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    price_min = amount_field()
    price_max = amount_field()
    promotion_enabled = serializers.BooleanField(required=False)
    conditions = ConditionsInput(required=False)
    auto_quote = AutoQuoteInput(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)

    def to_model_fields(self) -> dict:
        """Flatten the nested input to Service field names (only what was sent)."""
        data = dict(self.validated_data)
        out = {key: value for key, value in data.items() if key not in ("conditions", "auto_quote")}
        for key, value in (data.get("conditions") or {}).items():
            out[_CONDITION_FIELDS[key]] = value
        if "auto_quote" in data:
            auto_quote = data["auto_quote"]
            if auto_quote is None:
                out.update({"auto_quote_price_min": None, "auto_quote_price_max": None, "auto_quote_message": ""})
            else:
                for key, value in auto_quote.items():
                    out[_AUTO_QUOTE_FIELDS[key]] = value if value is not None or key != "message" else ""
        return out


# --- reviews -------------------------------------------------------------------------------


class ReviewInput(serializers.Serializer):
    pro = StrictIntegerField(min_value=1)
    rating = StrictIntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")


# --- staff ---------------------------------------------------------------------------------


class StaffProOutput(PublicProBase):
    website = serializers.CharField(read_only=True)
    weekly_spend_cap = serializers.SerializerMethodField()

    class Meta:
        model = Pro
        fields = [
            *PUBLIC_PRO_FIELDS,
            "phone",
            "website",
            "paused",
            "suspended",
            "completeness",
            "demoted",
            "weekly_spend_cap",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(Money(allow_null=True))
    def get_weekly_spend_cap(self, pro: Pro) -> dict | None:
        return money(pro.weekly_spend_cap, self.context["marketplace"].currency)


class StaffProInput(serializers.Serializer):
    tier = serializers.ChoiceField(choices=MembershipTier.choices, required=False)
    paused = serializers.BooleanField(required=False)
    suspended = serializers.BooleanField(required=False)
