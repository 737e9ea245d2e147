"""The API contract, operation by operation: id, summary, description, tag and the error codes
each operation can answer beyond the ones every operation of its kind shares.

``marketplace.api.schema.ContractAutoSchema`` reads this table while drf-spectacular builds the
schema; the codes every operation shares (the marketplace, authentication, roles, input,
idempotency, throttling, the database) are derived from the view itself. A new endpoint needs
an entry here: ``tests/contract/test_schema.py`` fails until it has one, and schemathesis fails
when an operation answers a status or code that is not declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Tags, in the order the docs show them, with what each area is.
TAGS: dict[str, str] = {
    "auth": "Accounts and JWT tokens. Every call names its marketplace (see the `marketplace` security scheme).",
    "pros": "The catalogue: categories, the ranked pro list, public profiles, a pro's own profile and services, "
    "and reviews.",
    "quote requests": "Homeowners ask for quotes, follow who answered, mark whom they hired.",
    "leads": "A pro's leads (offers of one quote request): accept (pay the contact fee, see the contact), "
    "reject, export, and the in-app notification feed.",
    "billing": "Contact fees: the saved card, charges, refunds, disputes, the statement and the payment "
    "provider's webhook.",
    "connections": "Tracked phone and website links, and the connection counts pros and staff read.",
    "ranking": "A pro's response rate, demotion and rank breakdown.",
    "notifications": "Push devices and notification preferences: which channels each event uses, quiet hours.",
    "staff": "This marketplace's staff: every pro, its tier, pause and suspension, and connection figures.",
}


@dataclass(frozen=True)
class Operation:
    id: str
    tag: str
    summary: str
    description: str
    # Error codes this operation answers with beyond the shared ones, by status.
    errors: dict[int, list[str]] = field(default_factory=dict)


_PRO_ONLY = "Pro accounts only (role `pro`)."
_HOMEOWNER_ONLY = "Homeowner accounts only (role `homeowner`)."
_STAFF_ONLY = "This marketplace's staff only."
_IDEMPOTENT = (
    "Send an `Idempotency-Key` header to make a retry safe: the same key with the same body replays the "
    "first answer (header `Idempotent-Replayed: true`)."
)
_CSV = "Answers `text/csv` (a download); errors are JSON in the usual shape."
_DATE_RANGE = "`start` and `end` are local days of the marketplace (inclusive); the range is at most a year."
_PUBLIC = "Anyone, no token needed."
_SIGNED_LINK = (
    "the link (`website_url` or `phone_url` of a pro payload) signs its marketplace and pro, and the click "
    "counts for them. A tampered link, or a pro that may no longer show contact details, answers 404."
)
_SERVICE_INPUT_CODES = [
    "unknown_category",
    "invalid_area",
    "range_not_ordered",
    "promotion_not_available",
    "auto_quote_required",
]

OPERATIONS: dict[str, Operation] = {
    # --- auth -------------------------------------------------------------------------------
    "POST /api/v1/auth/register/": Operation(
        "auth_register",
        "auth",
        "Create a homeowner or pro account",
        f"{_PUBLIC} Creates a user in this marketplace; `role: pro` also creates the pro's business "
        "(`business_name`, or the person's name). Staff accounts are never created here. A new and an already "
        "registered e-mail get the same 202 (registration reveals no accounts); the address's owner is e-mailed. "
        "Throttled per address. Not idempotent by key (there is no account yet); a retry is harmless.",
    ),
    "POST /api/v1/auth/password/change/": Operation(
        "auth_password_change",
        "auth",
        "Change the password",
        "Any signed-in user, with the current password. Every token of the user (all devices) stops working "
        f"and this client gets a fresh pair. Throttled per address. {_IDEMPOTENT}",
        {400: ["invalid_credentials"]},
    ),
    "POST /api/v1/auth/password/reset/": Operation(
        "auth_password_reset",
        "auth",
        "Ask for a password reset link",
        f"{_PUBLIC} E-mails a reset link when an active account of this marketplace has the address; the 202 "
        "answer is the same either way. Throttled per address.",
    ),
    "POST /api/v1/auth/password/reset/confirm/": Operation(
        "auth_password_reset_confirm",
        "auth",
        "Set a new password with a reset link",
        f"{_PUBLIC} With the link's `uid` and `token`: sets the password (204) and every token of the user stops "
        "working. A used, expired or wrong link is 400 `reset_token_invalid`. Throttled per address.",
        {400: ["reset_token_invalid"]},
    ),
    "POST /api/v1/auth/token/": Operation(
        "auth_token",
        "auth",
        "Log in: get an access and refresh token",
        f"{_PUBLIC} Exchanges an e-mail and password for a JWT pair bound to this marketplace. Send the access "
        "token as `Authorization: Bearer <access>`; it expires after 15 minutes by default. Throttled per address.",
        {401: ["invalid_credentials"]},
    ),
    "POST /api/v1/auth/token/refresh/": Operation(
        "auth_token_refresh",
        "auth",
        "Trade a refresh token for a new pair",
        f"{_PUBLIC} Refresh tokens are single-use: the answer carries a new refresh token and the one sent is "
        "spent. A refresh token of another marketplace, a spent one or a deactivated account's answers 401 "
        "`token_not_valid`.",
        {401: ["token_not_valid"]},
    ),
    "GET /api/v1/me/": Operation(
        "me_read",
        "auth",
        "The signed-in account",
        "Any signed-in user. The account's role, its marketplace and, for pros, the pro's id.",
    ),
    "PATCH /api/v1/me/": Operation(
        "me_update",
        "auth",
        "Set the account's language",
        "Any signed-in user. `language` (`en`, `fr-CA`, `zh-Hant`) is the language of the user's API messages, "
        "notifications and e-mails; unset, `Accept-Language` and then the marketplace's default decide.",
    ),
    "GET /api/v1/me/devices/": Operation(
        "me_devices_list",
        "notifications",
        "The account's push devices",
        "Any signed-in user: the devices it registered for push (FCM tokens, Web Push subscriptions).",
    ),
    "POST /api/v1/me/devices/": Operation(
        "me_devices_create",
        "notifications",
        "Register a push device",
        "Any signed-in user. `platform` `android` or `ios` with an FCM registration token, or `web` with a Web "
        "Push subscription (https endpoint on a known push service, `keys.p256dh` and `keys.auth`). A token "
        "registered before moves to this user. Malformed tokens answer 400 naming `token`. "
        f"{_IDEMPOTENT}",
    ),
    "DELETE /api/v1/me/devices/{id}/": Operation(
        "me_devices_delete",
        "notifications",
        "Remove a push device",
        "Any signed-in user, its own devices only: another user's device answers 404.",
    ),
    "GET /api/v1/me/notification-preferences/": Operation(
        "me_notification_preferences_read",
        "notifications",
        "Notification channels and quiet hours",
        "Any signed-in user: the channels (push, e-mail) per event, quiet hours for push and e-mail (the in-app "
        "feed and webhooks are never held), and whether every lead is sent at once.",
    ),
    "PATCH /api/v1/me/notification-preferences/": Operation(
        "me_notification_preferences_update",
        "notifications",
        "Choose notification channels and quiet hours",
        "Any signed-in user. Changes only the keys sent; an unknown event or channel, or quiet hours that are "
        "not times, answer 400 naming the field.",
    ),
    # --- pros -------------------------------------------------------------------------------
    "GET /api/v1/categories/": Operation(
        "categories_list",
        "pros",
        "List the marketplace's categories",
        f"{_PUBLIC} Active categories, top level first (`parent` null), with the questions a quote request "
        "in the category may answer.",
    ),
    "GET /api/v1/categories/{id}/": Operation(
        "categories_read", "pros", "One category", f"{_PUBLIC} One active category of this marketplace."
    ),
    "GET /api/v1/pros/": Operation(
        "pros_list",
        "pros",
        "Find pros, best rank first",
        f"{_PUBLIC} Pros that are not suspended, sorted by rank score (demoted pros sink). Filter by "
        "`category` (id or slug, subcategories included) and `postal_code` (normalised to an area). "
        "`website_url` and `phone_url` are tracked links that work with no header. Pages cover the first "
        "1,000 pros in rank order: `count` is exact up to 1,000, past that it reads 1,000 with `count_is_exact` "
        "false, and a page beyond is 404 — narrow by category and postal code to reach the rest (no request "
        "counts or skips a whole marketplace).",
        {400: ["unknown_category", "invalid_postal_code"]},
    ),
    "GET /api/v1/pros/{id}/": Operation(
        "pros_read",
        "pros",
        "A pro's public profile",
        f"{_PUBLIC} The profile, its areas, its active services with their public conditions (areas, budget "
        "range, earliest start) and its ten newest reviews. Tracked contact links only for pros allowed to "
        "show contact details.",
    ),
    "GET /api/v1/pro/working-hours/": Operation(
        "pro_working_hours_read",
        "pros",
        "The pro's working week",
        f"{_PRO_ONLY} Intervals per weekday in the marketplace's time zone. With the marketplace's business-hours "
        "clock on, lead deadlines count only this working time.",
    ),
    "PUT /api/v1/pro/working-hours/": Operation(
        "pro_working_hours_replace",
        "pros",
        "Replace the pro's working week",
        f"{_PRO_ONLY} Replaces every interval. An interval that ends before it starts or overlaps another on the "
        "same weekday answers 400 naming `hours[i]`. Leads already offered keep their deadlines.",
    ),
    "GET /api/v1/pro/vacations/": Operation(
        "pro_vacations_list",
        "pros",
        "The pro's vacations",
        f"{_PRO_ONLY} Date ranges (inclusive) on which no leads are offered and profile requests are refused.",
    ),
    "POST /api/v1/pro/vacations/": Operation(
        "pro_vacations_create",
        "pros",
        "Add a vacation",
        f"{_PRO_ONLY} `start_date` and `end_date`, inclusive; ending before it starts answers 400 naming "
        f"`end_date`. {_IDEMPOTENT}",
    ),
    "DELETE /api/v1/pro/vacations/{id}/": Operation(
        "pro_vacations_delete",
        "pros",
        "Remove a vacation",
        f"{_PRO_ONLY} The pro's own vacations only; another's answers 404.",
    ),
    "GET /api/v1/pro/profile/": Operation(
        "pro_profile_read",
        "pros",
        "The pro's own profile",
        f"{_PRO_ONLY} Everything the pro may edit plus what the server owns (tier, Star Score, completeness and "
        "what to add to complete it).",
    ),
    "PATCH /api/v1/pro/profile/": Operation(
        "pro_profile_update",
        "pros",
        "Edit the pro's own profile",
        f"{_PRO_ONLY} Send only the fields to change. `areas` replaces the service areas (each normalised by "
        "the marketplace's postal scheme); `weekly_spend_cap` is an amount in minor units or null for no cap. "
        "Tier, Star Score and suspension are not writable here.",
        {400: ["invalid_area"]},
    ),
    "GET /api/v1/pro/services/": Operation(
        "pro_services_list", "pros", "The pro's own services", f"{_PRO_ONLY} Newest first, inactive ones included."
    ),
    "POST /api/v1/pro/services/": Operation(
        "pro_services_create",
        "pros",
        "Add a service",
        f"{_PRO_ONLY} One service per category. Promotion (auto-quote) needs the marketplace's promotion "
        f"service, areas and an auto-quote with a price and a message. {_IDEMPOTENT}",
        {
            400: _SERVICE_INPUT_CODES,
            409: ["service_exists"],
        },
    ),
    "GET /api/v1/pro/services/{id}/": Operation(
        "pro_services_read", "pros", "One of the pro's services", f"{_PRO_ONLY} Another pro's service answers 404."
    ),
    "PATCH /api/v1/pro/services/{id}/": Operation(
        "pro_services_update",
        "pros",
        "Edit a service",
        f"{_PRO_ONLY} Send only what changes; `auto_quote: null` removes the auto-quote (and so promotion).",
        {
            400: _SERVICE_INPUT_CODES,
            409: ["service_exists"],
        },
    ),
    "DELETE /api/v1/pro/services/{id}/": Operation(
        "pro_services_delete",
        "pros",
        "Remove a service",
        f"{_PRO_ONLY} Leads already offered for it are kept.",
    ),
    "GET /api/v1/reviews/": Operation(
        "reviews_list", "pros", "The homeowner's own reviews", f"{_HOMEOWNER_ONLY} Newest first."
    ),
    "POST /api/v1/reviews/": Operation(
        "reviews_create",
        "pros",
        "Review a pro",
        f"{_HOMEOWNER_ONLY} Only after a real connection: the homeowner hired the pro, or the pro paid a "
        "non-zero fee or sent an auto-quote for one of the homeowner's requests. One review per job; "
        f"the Star Score is recomputed at once. {_IDEMPOTENT}",
        {400: ["unknown_pro"], 403: ["no_connection", "own_business"], 409: ["already_reviewed"]},
    ),
    # --- quote requests ---------------------------------------------------------------------
    "GET /api/v1/quote-requests/": Operation(
        "quote_requests_list", "quote requests", "The homeowner's quote requests", f"{_HOMEOWNER_ONLY} Newest first."
    ),
    "POST /api/v1/quote-requests/": Operation(
        "quote_requests_create",
        "quote requests",
        "Ask for quotes",
        f"{_HOMEOWNER_ONLY} With `pro`: a profile request to that pro (an auto-quote at once when its "
        "promoted service matches perfectly, else a lead it accepts or rejects). Without: the marketplace "
        "matches pros serving the category and area. The same job asked again within the duplicate window "
        "answers 409 `duplicate_request` with the existing request's id in `request_id`. Throttled per user. "
        f"{_IDEMPOTENT}",
        {
            400: [
                "unknown_category",
                "invalid_postal_code",
                "unknown_pro",
                "pro_paused",
                "pro_not_serving_category",
                "pro_not_serving_area",
            ],
            409: ["duplicate_request"],
        },
    ),
    "GET /api/v1/quote-requests/{id}/": Operation(
        "quote_requests_read",
        "quote requests",
        "Follow a quote request",
        f"{_HOMEOWNER_ONLY} Which pros were offered the job, who answered and with what quote. Another "
        "homeowner's request answers 404.",
    ),
    "POST /api/v1/quote-requests/{id}/hire/": Operation(
        "quote_requests_hire",
        "quote requests",
        "Mark the pro you hired",
        f"{_HOMEOWNER_ONLY} The pro must have answered this request (accepted or auto-quoted). Hiring lets "
        f"the homeowner review the pro and counts in the pro's win rate. {_IDEMPOTENT}",
        {400: ["pro_not_connected"], 409: ["request_cancelled"]},
    ),
    "POST /api/v1/quote-requests/{id}/confirm/": Operation(
        "quote_requests_confirm",
        "quote requests",
        "Confirm a request a pro could not reach you about",
        f"{_HOMEOWNER_ONLY} Answers the confirmation e-mail sent when a pro reports the request's contact "
        "unreachable: the report goes to staff instead of being credited automatically. Within the policy's "
        "window (`unreachable_confirm_hours`); confirming again answers `reports: 0`. "
        f"{_IDEMPOTENT}",
        {409: ["confirmation_not_requested", "confirmation_window_closed"]},
    ),
    "POST /api/v1/quote-requests/{id}/cancel/": Operation(
        "quote_requests_cancel",
        "quote requests",
        "Cancel a quote request",
        f"{_HOMEOWNER_ONLY} Pending leads are withdrawn; pros that already paid keep the contact. {_IDEMPOTENT}",
        {409: ["request_cancelled"]},
    ),
    "GET /api/v1/quote-requests/{id}/interests/": Operation(
        "quote_requests_interests",
        "quote requests",
        "The pros interested in a request (pay on mutual interest)",
        f"{_HOMEOWNER_ONLY} In a marketplace that pays on mutual interest, a matched pro's accept is a free "
        "expression of interest: each pro's public profile (rating, reviews), its quote and until when it may be "
        "connected. No contact details either way until the homeowner connects; a connected pro's `contact` "
        "(phone, website) is shown. Another homeowner's request answers 404.",
    ),
    "POST /api/v1/quote-requests/{id}/connect/": Operation(
        "quote_requests_connect",
        "quote requests",
        "Connect with an interested pro",
        f"{_HOMEOWNER_ONLY} `{{pro}}`: charges that pro's contact fee now (card per lead or prepaid credit, with "
        "the weekly spend cap) and reveals the contacts both ways; the pro is notified (`lead.connected`). Only "
        "the pros the homeowner connects with are charged; the matched capacity counts connections (409 "
        "`request_filled`). 409 `pro_not_interested` when the pro did not express interest in this request, "
        "`interest_lapsed` when it is too late. When the pro's payment fails (declined, authentication needed, "
        "too little credit, spend cap, no card) the homeowner cannot fix it: 409 `pro_payment_failed` with the "
        "payment's code in `reason`, the interest is kept, the pro is notified (`lead.connect_payment_failed`) and "
        "completes the connection by accepting the lead again; the homeowner may connect again or choose "
        "another pro. Connecting again with a connected pro charges nothing and answers the same. "
        f"{_IDEMPOTENT}",
        {
            409: [
                "request_cancelled",
                "pro_not_interested",
                "interest_lapsed",
                "request_filled",
                "pro_payment_failed",
                "payments_not_configured",
                "lead_not_pending",
            ],
            503: ["payment_provider_unavailable"],
        },
    ),
    # --- leads ------------------------------------------------------------------------------
    "GET /api/v1/pro/leads/": Operation(
        "pro_leads_list",
        "leads",
        "The pro's leads, newest first",
        f"{_PRO_ONLY} Filter by `status` (as read now: a pending lead past its deadline is `expired`) and "
        "`kind`. Each lead shows its exact fee and how many pros were offered it and accepted it; `contact` "
        "is null until the pro has accepted.",
    ),
    "GET /api/v1/pro/leads/{id}/": Operation(
        "pro_leads_read", "leads", "One of the pro's leads", f"{_PRO_ONLY} Another pro's lead answers 404."
    ),
    "POST /api/v1/pro/leads/{id}/accept/": Operation(
        "pro_leads_accept",
        "leads",
        "Accept a lead: pay its fee, see the contact",
        f"{_PRO_ONLY} Charges the contact fee (card per lead or prepaid credit, as the marketplace takes them) "
        "and reveals the homeowner's contact; `message` and `price` attach a quote. A declined payment is 402 "
        "(`decline_code` says why) and the lead stays pending; a card that needs the cardholder is 402 "
        "`authentication_required` with the `client_secret` to confirm on-session, then accept again; too little "
        "credit is 402 `insufficient_credit` with `balance` and `amount_needed`. Never charges twice: accepting "
        "again, concurrently or after a crash is safe. Pay on mutual interest (a marketplace switch): accepting a "
        "matched lead is a free expression of interest instead — the lead reads `interested` (no charge, no "
        "contact) until the homeowner connects (then it is charged and `accepted`) or `interest_expires_at` "
        "passes (`lapsed`, free); when the homeowner chose the pro but its payment failed, accepting again pays "
        f"and connects. {_IDEMPOTENT}",
        {
            402: [
                "payment_method_required",
                "payment_declined",
                "spend_cap_reached",
                "authentication_required",
                "insufficient_credit",
            ],
            409: [
                "lead_expired",
                "lead_not_pending",
                "request_filled",
                "accept_in_progress",
                "payments_not_configured",
                "interest_lapsed",
            ],
            503: ["payment_provider_unavailable"],
        },
    ),
    "POST /api/v1/pro/leads/{id}/reject/": Operation(
        "pro_leads_reject",
        "leads",
        "Reject a lead",
        f"{_PRO_ONLY} Free; an optional `reason`. Counts as a response for the response rate. {_IDEMPOTENT}",
        {409: ["lead_expired", "lead_not_pending", "accept_in_progress"]},
    ),
    "POST /api/v1/pro/leads/{id}/dispute/": Operation(
        "pro_leads_dispute",
        "billing",
        "Dispute a charged lead",
        f"{_PRO_ONLY} Within the marketplace's dispute window, for a lead the pro paid for (fake contact, "
        "unreachable contact, out of area, duplicate). Staff decide; an approval refunds through the provider. "
        "An unreachable (or fake) contact is credited automatically when a signal confirms it — the homeowner's "
        "e-mail bounced, or the homeowner, asked by e-mail, does not confirm the request within the policy's "
        "window — and goes to staff when the homeowner confirms (policy switch `unreachable_credit_enabled`). "
        f"{_IDEMPOTENT}",
        {409: ["lead_not_charged", "dispute_window_closed", "dispute_exists", "lead_already_credited"]},
    ),
    "GET /api/v1/pro/leads/export.csv": Operation(
        "pro_leads_export",
        "leads",
        "Download the pro's leads as CSV",
        f"{_PRO_ONLY} Leads received over a range of local days, filtered as the inbox. {_DATE_RANGE} {_CSV}",
    ),
    "GET /api/v1/pro/notifications/": Operation(
        "pro_notifications_list",
        "leads",
        "The pro's notification feed",
        f"{_PRO_ONLY} In-app notifications (new leads and others), newest first.",
    ),
    # --- billing ----------------------------------------------------------------------------
    "GET /api/v1/pro/billing/charges/": Operation(
        "pro_charges_list", "billing", "The pro's charges", f"{_PRO_ONLY} Contact fees, newest first."
    ),
    "GET /api/v1/pro/billing/refunds/": Operation(
        "pro_refunds_list", "billing", "The pro's refunds", f"{_PRO_ONLY} Refunds of disputed charges, newest first."
    ),
    "GET /api/v1/pro/billing/disputes/": Operation(
        "pro_disputes_list",
        "billing",
        "The pro's disputes",
        f"{_PRO_ONLY} Newest first, with the refund once approved.",
    ),
    "GET /api/v1/pro/billing/disputes/{id}/": Operation(
        "pro_disputes_read", "billing", "One dispute", f"{_PRO_ONLY} Another pro's dispute answers 404."
    ),
    "PUT /api/v1/pro/billing/payment-method/": Operation(
        "pro_payment_method_save",
        "billing",
        "Save the card that pays contact fees",
        f"{_PRO_ONLY} Stores a payment-method token from the provider (with the built-in `local` gateway: "
        "`pm_card_visa`, `pm_card_chargeDeclined`, …). Replaces any saved card.",
        {400: ["invalid_payment_method"], 409: ["payments_not_configured"]},
    ),
    "GET /api/v1/pro/billing/payment-method/": Operation(
        "pro_payment_method_read",
        "billing",
        "The pro's saved card",
        f"{_PRO_ONLY} The provider and how to show the card; 404 `payment_method_missing` before one is saved.",
        {404: ["payment_method_missing"]},
    ),
    "POST /api/v1/billing/test-mode/setup-intents/confirm/": Operation(
        "test_mode_setup_intent_confirm",
        "billing",
        "Confirm a SetupIntent with a test card (local gateway)",
        "Test mode only (the built-in `local` gateway; 404 otherwise): stands in for the provider's mobile SDK. "
        "Anyone holding the client secret from `POST /pro/billing/setup-intent/` (it is the credential, as at the "
        "provider); the saved card then arrives through the provider-event path. A declining test card is 402 "
        "`card_declined`; an unknown intent or a wrong secret 404 `resource_missing`.",
        {402: ["card_declined"], 404: ["resource_missing"]},
    ),
    "POST /api/v1/billing/test-mode/payment-intents/confirm/": Operation(
        "test_mode_payment_intent_confirm",
        "billing",
        "Authenticate a payment that requires action (local gateway)",
        "Test mode only (the built-in `local` gateway; 404 otherwise): stands in for the provider's on-session "
        "authentication of a payment answered 402 `authentication_required`, with its client secret. The payment "
        "then succeeds and the accept or top-up completes through the provider-event path.",
        {404: ["resource_missing"]},
    ),
    "GET /api/v1/pro/wallet/": Operation(
        "pro_wallet_read",
        "billing",
        "The pro's prepaid credit wallet",
        f"{_PRO_ONLY} Balance (the sum of the wallet's append-only entries), top-ups still open, the "
        "marketplace's payment mode and top-up bounds, and the pro's consent to automatic top-ups (`auto_top_up`, "
        "null without one; `status: needs_attention` when one needed authentication or failed).",
    ),
    "GET /api/v1/pro/wallet/entries/": Operation(
        "pro_wallet_entries_list",
        "billing",
        "The wallet's entries",
        f"{_PRO_ONLY} Top-ups, lead fees and credits, newest first, each with the balance after it.",
    ),
    "GET /api/v1/pro/wallet/top-ups/": Operation(
        "pro_top_ups_list", "billing", "The pro's top-ups", f"{_PRO_ONLY} Newest first, whatever their status."
    ),
    "GET /api/v1/pro/wallet/top-ups/{id}/": Operation(
        "pro_top_ups_read", "billing", "One top-up", f"{_PRO_ONLY} Another pro's top-up answers 404."
    ),
    "POST /api/v1/pro/wallet/top-ups/": Operation(
        "pro_top_ups_create",
        "billing",
        "Buy credits with the saved card",
        f"{_PRO_ONLY} In marketplaces taking prepaid credits. Charges the saved card on-session: 201 with status "
        "`succeeded` (credited at once), `requires_action` (authenticate with `client_secret`; credited once paid), "
        "`processing` (settled by the provider's event or the recovery job) or `failed`. Credits never expire. "
        f"{_IDEMPOTENT} A retry never charges twice.",
        {
            400: ["top_up_out_of_range"],
            402: ["payment_method_required"],
            409: ["prepaid_credits_not_enabled", "idempotency_key_reused"],
        },
    ),
    "PUT /api/v1/pro/wallet/auto-top-up/": Operation(
        "pro_wallet_auto_top_up_set",
        "billing",
        "Consent to automatic top-ups",
        f"{_PRO_ONLY} In marketplaces taking prepaid credits, with a saved card. `threshold`, `amount` and "
        "`monthly_limit` are minor units of the marketplace's currency (a bare integer or a Money object in that "
        "currency): when a lead fee leaves the balance below `threshold`, a worker charges the saved card "
        "off-session for `amount`, never more than `monthly_limit` per calendar month (the marketplace's time "
        "zone) and one at a time. `amount` is within the top-up bounds and `monthly_limit` at least `amount`. A "
        "top-up that needs authentication or fails notifies the pro and pauses automatic top-ups "
        "(`status: needs_attention`) until the consent is saved again. Audited (who, when, values).",
        {
            400: ["auto_top_up_out_of_range"],
            402: ["payment_method_required"],
            409: ["prepaid_credits_not_enabled"],
        },
    ),
    "PATCH /api/v1/pro/wallet/auto-top-up/": Operation(
        "pro_wallet_auto_top_up_update",
        "billing",
        "Change the automatic top-up",
        f"{_PRO_ONLY} As `PUT`; fields left out keep their saved values (all three are needed when none is "
        "saved). Saving again resumes automatic top-ups that needed attention. Audited.",
        {
            400: ["auto_top_up_out_of_range"],
            402: ["payment_method_required"],
            409: ["prepaid_credits_not_enabled"],
        },
    ),
    "DELETE /api/v1/pro/wallet/auto-top-up/": Operation(
        "pro_wallet_auto_top_up_withdraw",
        "billing",
        "Withdraw the consent to automatic top-ups",
        f"{_PRO_ONLY} No automatic top-up starts after this (one already at the provider settles as usual). "
        "204 also when no consent was given. Audited.",
    ),
    "POST /api/v1/billing/email/bounce/": Operation(
        "email_bounce_webhook",
        "billing",
        "Receive a bounce from the e-mail provider",
        "The e-mail provider only: header `X-Email-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "
        '"<t>.<body>" with EMAIL_WEBHOOK_SECRET>`, within five minutes. Not scoped to a marketplace. Stored '
        "once by event `id` (a redelivery answers `duplicate: true`); a hard bounce credits the leads reported "
        "unreachable whose homeowner's address it is.",
        {400: ["invalid_signature"]},
    ),
    "POST /api/v1/pro/billing/setup-intent/": Operation(
        "pro_setup_intent_create",
        "billing",
        "Start saving a card with the provider",
        f"{_PRO_ONLY} Answers a SetupIntent's id and client secret; the app confirms it with the provider's SDK "
        "(with the built-in `local` gateway: `POST /api/v1/billing/test-mode/setup-intents/confirm/` and a test "
        "card), and the saved card arrives through the provider-event path. The same client code works against "
        "Stripe test mode. 409 `payments_not_configured` where the marketplace takes no card payments. "
        f"{_IDEMPOTENT}",
        {409: ["payments_not_configured"], 503: ["payment_provider_unavailable"]},
    ),
    "GET /api/v1/pro/billing/credits/": Operation(
        "pro_credits_list",
        "billing",
        "Fees credited back to the pro",
        f"{_PRO_ONLY} Automatic credits (never-read answer, duplicate job, unreachable contact) and staff credits, "
        "newest first, each with its reason code.",
    ),
    "POST /api/v1/staff/billing/charges/{id}/credit/": Operation(
        "staff_charge_credit",
        "staff",
        "Credit a lead's fee back to its pro",
        f"{_STAFF_ONLY} Goodwill (or a confirmed unreachable contact or duplicate): what is left of the fee goes "
        "back to the wallet (prepaid credits) or the card. Once per lead; audited with the staff member and the "
        f"memo. {_IDEMPOTENT}",
        {409: ["lead_not_charged", "lead_already_credited"], 503: ["payment_provider_unavailable"]},
    ),
    "POST /api/v1/staff/billing/pros/{id}/wallet-refund/": Operation(
        "staff_pro_wallet_refund",
        "staff",
        "Refund a pro's unused credit to its card",
        f"{_STAFF_ONLY} For a pro leaving the marketplace: the unused balance leaves the wallet at once and is "
        "refunded to the card(s) it was bought with, newest top-up first (one refund per top-up). A refund the "
        "provider refuses puts its amount back in the wallet. Audited with the staff member and the reason. "
        f"{_IDEMPOTENT}",
        {409: ["nothing_to_refund"]},
    ),
    "GET /api/v1/staff/billing/credits/by-reason/": Operation(
        "staff_credits_by_reason",
        "staff",
        "Credits granted, by reason",
        f"{_STAFF_ONLY} How many fees came back and how much, per reason code, so staff see what the automatic "
        "credits cost.",
    ),
    "GET /api/v1/pro/billing/statement.csv": Operation(
        "pro_statement_export",
        "billing",
        "Download the pro's statement as CSV",
        f"{_PRO_ONLY} Charges, refunds and credits over a range of local days. {_DATE_RANGE} {_CSV}",
    ),
    "POST /api/v1/billing/stripe/webhook/": Operation(
        "stripe_webhook",
        "billing",
        "Receive a payment provider event",
        "The payment provider only: the body must carry a valid `Stripe-Signature`. Not scoped to a "
        "marketplace (the event names its rows). Stored once by event id and handled by a worker; a "
        "byte-identical replay is 400 `webhook_replayed`.",
        {400: ["invalid_signature", "webhook_replayed"], 503: ["service_unavailable"]},
    ),
    # --- connections ------------------------------------------------------------------------
    "GET /api/v1/pros/{id}/phone/": Operation(
        "pros_phone_read",
        "connections",
        "Reveal a pro's phone number (a tracked click)",
        f"{_PUBLIC} For apps that show the number themselves. Each visitor's call counts one phone click per "
        "dedupe window; a token identifies the visitor (the pro's own users and staff are not counted). Only "
        "pros allowed to show contact details (members, where the marketplace says so).",
    ),
    "GET /api/v1/pros/{id}/website/": Operation(
        "pros_website_follow",
        "connections",
        "Go to a pro's website (a tracked click)",
        f"{_PUBLIC} 302 to the pro's site; counts one website click per visitor and dedupe window. Browsers "
        "should use the `website_url` of the pro payload instead, which needs no header.",
    ),
    "GET /api/v1/links/website/{token}/": Operation(
        "tracked_website_link_follow",
        "connections",
        "Follow a pro's tracked website link",
        f"Anyone, with no header and no token: {_SIGNED_LINK} A 302 to the pro's site that counts one website "
        "click per visitor and dedupe window.",
    ),
    "GET /api/v1/links/phone/{token}/": Operation(
        "tracked_phone_link_follow",
        "connections",
        "Follow a pro's tracked phone link",
        f"Anyone, with no header and no token (a browser or the phone's dialler): {_SIGNED_LINK} A 302 to "
        "`tel:<number>` that counts one phone click per visitor and dedupe window.",
    ),
    "GET /api/v1/pro/connections/": Operation(
        "pro_connections_read",
        "connections",
        "The pro's connections over time",
        f"{_PRO_ONLY} Profile leads, matched leads, phone and website clicks per day, week or month, with "
        f"totals and the previous period. {_DATE_RANGE}",
    ),
    "GET /api/v1/pro/connections/export.csv": Operation(
        "pro_connections_export",
        "connections",
        "Download the pro's connections as CSV",
        f"{_PRO_ONLY} {_DATE_RANGE} {_CSV}",
    ),
    # --- ranking ----------------------------------------------------------------------------
    "GET /api/v1/pro/stats/": Operation(
        "pro_stats_read",
        "ranking",
        "The pro's response rate, demotion and rank breakdown",
        f"{_PRO_ONLY} Every lead behind the response rate with its received and answered times, whether one "
        "more miss would demote the pro, why it is or is not demoted, and its rank score factor by factor.",
    ),
    # --- staff ------------------------------------------------------------------------------
    "GET /api/v1/staff/pros/": Operation(
        "staff_pros_list",
        "staff",
        "Every pro of the marketplace",
        f"{_STAFF_ONLY} Paused and suspended pros included, newest first; filter by `tier`, `paused`, "
        "`suspended`. As the public list, pages cover the first 1,000 matches (`count_is_exact` false past them).",
    ),
    "GET /api/v1/staff/pros/{id}/": Operation(
        "staff_pros_read",
        "staff",
        "One pro, as staff see it",
        f"{_STAFF_ONLY} Suspended and paused pros too, with the phone, website, demotion and spend cap.",
    ),
    "PATCH /api/v1/staff/pros/{id}/": Operation(
        "staff_pros_update",
        "staff",
        "Change a pro's tier, pause or suspension",
        f"{_STAFF_ONLY} Audited. A suspended pro disappears from the public list and gets no leads.",
    ),
    "GET /api/v1/staff/connections/": Operation(
        "staff_connections_read",
        "staff",
        "The marketplace's connections over time",
        f"{_STAFF_ONLY} {_DATE_RANGE}",
    ),
    "GET /api/v1/staff/connections/export.csv": Operation(
        "staff_connections_export",
        "staff",
        "Download the marketplace's connections as CSV",
        f"{_STAFF_ONLY} {_DATE_RANGE} {_CSV}",
    ),
    "GET /api/v1/staff/pros/{id}/connections/": Operation(
        "staff_pro_connections_read", "staff", "One pro's connections over time", f"{_STAFF_ONLY} {_DATE_RANGE}"
    ),
    "GET /api/v1/staff/pros/{id}/connections/export.csv": Operation(
        "staff_pro_connections_export",
        "staff",
        "Download one pro's connections as CSV",
        f"{_STAFF_ONLY} {_DATE_RANGE} {_CSV}",
    ),
}


# Believable examples, by component: what the docs show and what Redocly checks against the schema.
_CONTACT = {"name": "Olivia Martin", "phone": "+1 416 555 0142", "email": "olivia.martin@example.com"}
_REQUEST = {
    "id": 3812,
    "category": {"id": 4, "slug": "plumbing", "name": "Plumbing"},
    "area": "M5V",
    "description": "The kitchen sink leaks under the cabinet; the shut-off valve is stiff.",
    "budget_min": 15000,
    "budget_max": 40000,
    "start_date": "2026-12-08",
    "answers": {"property_type": "condo", "urgency": "this_week"},
    "source": "platform",
}
EXAMPLES: dict[str, dict] = {
    "Money": {"amount": 2500, "currency": "CAD"},
    "RegisterInputRequest": {
        "email": "sam.rivera@example.com",
        "password": "correct-horse-battery-9",
        "name": "Sam Rivera",
        "role": "pro",
        "business_name": "Rivera Plumbing",
    },
    "TokenInputRequest": {"email": "pro1@maple.test", "password": "demo12345"},
    "TokenPair": {
        "access": "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0.access",
        "refresh": "eyJhbGciOiJIUzI1NiJ9.refresh",
    },
    "QuoteRequestInputRequest": {
        "category": "plumbing",
        "postal_code": "M5V 3L9",
        "description": "The kitchen sink leaks under the cabinet; the shut-off valve is stiff.",
        "budget_min": 15000,
        "budget_max": 40000,
        "start_date": "2026-12-08",
        "answers": {"property_type": "condo", "urgency": "this_week"},
        "contact": _CONTACT,
    },
    "AcceptInputRequest": {"message": "I can come Tuesday at 9 to replace the valve and the trap.", "price": 28000},
    "RejectInputRequest": {"reason": "Fully booked until January."},
    "HireInputRequest": {"pro": 17},
    "ConnectInputRequest": {"pro": 17},
    "ReviewInputRequest": {"pro": 17, "rating": 5, "comment": "On time, tidy, and the leak is gone."},
    "PaymentMethodInputRequest": {"token": "pm_card_visa", "display": "Visa ending 4242"},
    "DisputeInputRequest": {"reason": "fake_contact", "details": "The number is not in service."},
    "LeadOutput": {
        "id": 9120,
        "kind": "matched",
        "status": "accepted",
        "fee": {"amount": 2500, "currency": "CAD"},
        "deadline": "2026-12-02T14:30:00Z",
        "offered_count": 4,
        "accepted_count": 2,
        "request": _REQUEST,
        "contact": _CONTACT,
        "quote": {"message": "I can come Tuesday at 9.", "price_min": 28000, "price_max": 28000},
        "reject_reason": "",
        "created_at": "2026-12-01T14:30:00Z",
        "responded_at": "2026-12-01T15:02:11Z",
        "interest_expires_at": None,
        "clock": {"basis": "calendar", "seconds_left": None, "working_seconds_left": None, "working_now": None},
    },
    "CategoryQuestion": {
        "key": "property_type",
        "label": "What kind of home is it?",
        "type": "choice",
        "choices": ["house", "condo", "apartment"],
        "max_length": None,
        "choice_labels": {"house": "House", "condo": "Condo", "apartment": "Apartment"},
    },
}
