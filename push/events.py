"""The events a user can route to channels. The in-app feed always gets every event; the
pro's webhook is the business's, not a user's, so it is not a per-user channel."""

EVENTS: dict[str, str] = {
    "lead.new": "A new lead (a homeowner asked you for a quote)",
    "lead.matched": "A matched lead (the platform picked you for a job)",
    "lead.promotion": "Your auto-quote was sent",
    "lead.connected": "A homeowner connected with you (pay on mutual interest): the contact",
    "lead.connect_payment_failed": "A homeowner chose you but your payment failed",
    "lead.summary": "Summary of leads that arrived during your quiet hours",
    "response_rate_warning": "One more missed lead would lower your ranking",
    "response_rate_demoted": "Your ranking was lowered",
    "response_rate_restored": "Your ranking is restored",
}
CHANNELS = ("push", "email")
# Leads are held back in quiet hours and summed up after; ranking news simply waits too.
