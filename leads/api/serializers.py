"""Input and output shapes of the quote-request and pro-lead endpoints. No logic beyond shape."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Lead, LeadKind, LeadStatus, Notification, QuoteRequest, RequestSource, RequestStatus
from leads.selectors import lead_clock, lead_schedule
from marketplace.api.csv_export import ExportRangeQuery
from marketplace.api.fields import BoundedDictField, CalendarDateField, amount_field
from marketplace.api.money import MoneyOutput
from marketplace.errors import Invalid
from marketplace.money import Money
from pros.models import Pro
from pros.questions import MAX_ANSWER_KEY_LENGTH, MAX_ANSWER_LENGTH, MAX_ANSWERS
from pros.selectors import category_resolve


class LeadContactInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate(self, attrs):
        return {"phone": "", "email": "", **attrs}


class LeadContact(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Empty when the homeowner gave none.")
    email = serializers.CharField(help_text="Empty when the homeowner gave none.")


ANSWERS_HELP = "Answers to the category's questions: question key → answer (see the category's `questions`)."


class QuoteRequestInput(serializers.Serializer):
    category = serializers.CharField(help_text="Category id or slug.")
    postal_code = serializers.CharField(max_length=16)
    description = serializers.CharField(max_length=5000)
    budget_min = amount_field(default=None, help_text="Minor units.")
    budget_max = amount_field(default=None, help_text="Minor units.")
    start_date = CalendarDateField(required=False, allow_null=True, default=None)
    answers = BoundedDictField(
        max_keys=MAX_ANSWERS,
        max_key_length=MAX_ANSWER_KEY_LENGTH,
        child=serializers.CharField(max_length=MAX_ANSWER_LENGTH, allow_blank=True),
        value_schema={"type": "string", "maxLength": MAX_ANSWER_LENGTH},
        description="Answers to the category's questions (`questions` of GET /categories/): each key one of "
        "its question keys, each value one of that question's choices (or a number, or text).",
        required=False,
        default=dict,
    )
    contact = LeadContactInput()
    pro = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Only for a profile request ('Get a Quote' on this pro).",
    )

    def validate_category(self, value):
        return category_resolve(marketplace=self.context["marketplace"], value=value)

    def validate_pro(self, value):
        if value is None:
            return None
        pro = Pro.objects.filter(marketplace=self.context["marketplace"], pk=value, suspended=False).first()
        if pro is None:
            raise Invalid("unknown_pro", _("No such pro."), fields={"pro": [_("Unknown pro.")]})
        return pro

    def validate(self, attrs):
        low, high = attrs.get("budget_min"), attrs.get("budget_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"budget_max": [_("Must be at least budget_min.")]})
        return attrs


class HireInput(serializers.Serializer):
    pro = serializers.IntegerField(min_value=1)


class AcceptInput(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    price = amount_field(default=None, help_text="Quoted price in minor units.")


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeadListQuery(serializers.Serializer):
    """Filters of the pro's lead inbox. ``status`` is the status as read now: a pending lead past
    its deadline is ``expired`` here even before the expiry job has made it durable."""

    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=LeadKind.choices, required=False)


_STATUSES, _KINDS = frozenset(LeadStatus.values), frozenset(LeadKind.values)


def lead_list_filters(params: QueryDict) -> dict[str, str]:
    """``LeadListQuery(data=params).validated_data``, read without a serializer when the filters
    are valid (absent, blank or a known choice: every request of the inbox); otherwise the
    serializer answers its 400."""
    status, kind = params.get("status") or None, params.get("kind") or None
    if (status is None or status in _STATUSES) and (kind is None or kind in _KINDS):
        return {name: value for name, value in (("status", status), ("kind", kind)) if value is not None}
    query = LeadListQuery(data=params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class LeadExportQuery(ExportRangeQuery, LeadListQuery):
    """The inbox filters over a range of local days (when the lead was received)."""


class LeadQuote(serializers.Serializer):
    message = serializers.CharField()
    price_min = serializers.IntegerField(allow_null=True)
    price_max = serializers.IntegerField(allow_null=True)


def _quote(lead: Lead) -> dict | None:
    """The pro's answer: once accepted, or as free interest (pay on mutual interest, Rule 14)."""
    if lead.status not in (LeadStatus.ACCEPTED, LeadStatus.INTERESTED, LeadStatus.LAPSED):
        return None
    return {"message": lead.quote_message, "price_min": lead.quote_price_min, "price_max": lead.quote_price_max}


class ProRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class RequestLeadOutput(serializers.Serializer):
    """A lead as the homeowner sees it: who was offered the job, who answered, with what quote."""

    pro = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=LeadKind.choices)
    status = serializers.ChoiceField(source="effective_status", choices=LeadStatus.choices)
    quote = serializers.SerializerMethodField()

    @extend_schema_field(ProRef)
    def get_pro(self, lead) -> dict:
        return {"id": lead.pro_id, "name": lead.pro.name}

    @extend_schema_field(LeadQuote(allow_null=True))
    def get_quote(self, lead) -> dict | None:
        return _quote(lead)


class QuoteRequestOutput(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    pro = serializers.IntegerField(source="target_pro_id", allow_null=True)
    hired_pro = serializers.IntegerField(source="hired_pro_id", allow_null=True)
    leads = RequestLeadOutput(many=True)
    offered_count = serializers.SerializerMethodField()
    answers = serializers.DictField(child=serializers.CharField(), help_text=ANSWERS_HELP)

    class Meta:
        model = QuoteRequest
        fields = [
            "id",
            "source",
            "category",
            "postal_code",
            "area",
            "description",
            "budget_min",
            "budget_max",
            "start_date",
            "answers",
            "contact",
            "pro",
            "status",
            "hired_pro",
            "offered_count",
            "leads",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CategoryRef)
    def get_category(self, obj) -> dict:
        return {"id": obj.category_id, "slug": obj.category.slug, "name": obj.category.display_name}

    @extend_schema_field(LeadContact)
    def get_contact(self, obj) -> dict:
        return {"name": obj.contact_name, "phone": obj.contact_phone, "email": obj.contact_email}

    @extend_schema_field({"type": "string", "enum": ["open", "closed", "cancelled", "no_pros_available"]})
    def get_status(self, obj) -> str:
        if obj.status == RequestStatus.CANCELLED:
            return obj.status
        if not obj.leads.all():
            return "no_pros_available"
        if obj.status == RequestStatus.OPEN and not getattr(obj, "has_open_leads", True):
            return RequestStatus.CLOSED  # its last pending leads passed their deadline
        return obj.status

    def get_offered_count(self, obj) -> int:
        return len(obj.leads.all())


class LeadRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.SerializerMethodField()
    area = serializers.CharField()
    description = serializers.CharField()
    budget_min = serializers.IntegerField(allow_null=True)
    budget_max = serializers.IntegerField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    answers = serializers.DictField(child=serializers.CharField(), help_text=ANSWERS_HELP)
    source = serializers.ChoiceField(choices=RequestSource.choices)  # type: ignore[assignment]  # a field named source

    @extend_schema_field(CategoryRef)
    def get_category(self, obj) -> dict:
        return {"id": obj.category_id, "slug": obj.category.slug, "name": obj.category.display_name}


class LeadClock(serializers.Serializer):
    basis = serializers.ChoiceField(
        choices=["calendar", "working_hours"],
        help_text="working_hours: the business-hours clock is on and the pro set its week; the deadline "
        "counts only working time",
    )
    seconds_left = serializers.IntegerField(allow_null=True, help_text="Calendar time until the deadline.")
    working_seconds_left = serializers.IntegerField(
        allow_null=True, help_text="Working time until the deadline (equals seconds_left on the calendar clock)."
    )
    working_now = serializers.BooleanField(allow_null=True)


# The documented shape of a pro's lead. Responses are built by ``leads.api.lead_json`` (plain
# functions, the same JSON; tests/leads/test_lead_json.py holds them equal): change both together.
class LeadOutput(serializers.ModelSerializer):
    """A lead as its pro sees it; ``contact`` is null until the pro has accepted (and paid)."""

    status = serializers.ChoiceField(
        source="effective_status",
        choices=LeadStatus.choices,
        help_text="As read now: a pending lead past its deadline is `expired` even before the expiry job ran. "
        "Pay on mutual interest: `interested` — the pro answered for free and waits for the homeowner to "
        "connect (then `accepted`: charged, contact shown) until `interest_expires_at`, else `lapsed` (free).",
    )
    fee = serializers.SerializerMethodField()
    offered_count = serializers.IntegerField()
    accepted_count = serializers.IntegerField()
    request = LeadRequestOutput()
    contact = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "kind",
            "status",
            "fee",
            "deadline",
            "clock",
            "offered_count",
            "accepted_count",
            "request",
            "contact",
            "quote",
            "reject_reason",
            "created_at",
            "responded_at",
            "interest_expires_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "interest_expires_at": {
                "help_text": "Pay on mutual interest: until when the homeowner may connect (null otherwise)."
            }
        }

    @extend_schema_field(MoneyOutput)
    def get_fee(self, obj) -> dict:
        return Money(obj.fee_amount, obj.fee_currency).as_json()

    @extend_schema_field(LeadContact(allow_null=True))
    def get_contact(self, obj) -> dict | None:
        if obj.status != LeadStatus.ACCEPTED or obj.contact_revealed_at is None:
            return None
        request = obj.request
        return {"name": request.contact_name, "phone": request.contact_phone, "email": request.contact_email}

    @extend_schema_field(LeadQuote(allow_null=True))
    def get_quote(self, obj) -> dict | None:
        return _quote(obj)

    @extend_schema_field(LeadClock)
    def get_clock(self, obj) -> dict:
        """Time left on the lead's clock, loaded once per pro for a whole page."""
        cache = self.root.__dict__.setdefault("_lead_clock_schedules", {})
        if obj.pro_id not in cache:
            cache[obj.pro_id] = lead_schedule(lead=obj, marketplace=self.context.get("marketplace"))
        return lead_clock(lead=obj, schedule=cache[obj.pro_id], now=timezone.now())


NOTIFICATION_KINDS = [
    *(f"lead.{kind}" for kind in LeadKind.values),
    "lead.connected",
    "lead.connect_payment_failed",
    "response_rate_warning",
    "response_rate_demoted",
    "response_rate_restored",
]


class NotificationPayload(serializers.Serializer):
    """What the notification is about, for the app to link to. Keys depend on ``kind``: lead
    notices carry ``lead_id``, ``request_id``, ``kind``, ``status``, ``category``, ``area``,
    ``deadline`` and ``fee``; response-rate notices ``responded``, ``due``, ``response_rate``,
    ``threshold`` and ``demoted``. Every key is optional."""

    lead_id = serializers.IntegerField(required=False)
    request_id = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=LeadKind.choices, required=False)
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    category = serializers.CharField(required=False, help_text="Category slug.")
    area = serializers.CharField(required=False)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    fee = MoneyOutput(required=False)
    responded = serializers.IntegerField(required=False)
    due = serializers.IntegerField(required=False)
    response_rate = serializers.CharField(required=False, allow_null=True, help_text="Decimal 0-1 as a string.")
    threshold = serializers.CharField(required=False, help_text="Decimal 0-1 as a string.")
    demoted = serializers.BooleanField(required=False)
    contact = LeadContact(
        required=False, help_text="`lead.connected`: the homeowner's contact, now that it connected with the pro."
    )
    reason = serializers.CharField(
        required=False, help_text="`lead.connect_payment_failed`: the payment's error code (what to fix)."
    )


class NotificationOutput(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=NOTIFICATION_KINDS,
        help_text="`lead.<kind>`: a lead was offered; `lead.connected`: the homeowner connected with the pro "
        "(pay on mutual interest; charged, contact in the payload); `lead.connect_payment_failed`: it chose the "
        "pro but the pro's payment failed (fix it, then accept the lead again); `response_rate_*`: the response "
        "rate warns, demotes or restores.",
    )
    payload = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "payload", "lead", "created_at", "read_at"]
        read_only_fields = fields

    @extend_schema_field(NotificationPayload)
    def get_payload(self, notification: Notification) -> dict:
        return notification.payload

    def to_representation(self, instance: Notification) -> dict:
        """Subject and body in the reader's language when the notification was written in it."""
        data = super().to_representation(instance)
        data["subject"], data["body"] = instance.text_in(translation.get_language())
        return data
