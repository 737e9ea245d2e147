"""Done when (maple): a platform request reaches only qualified members as expiring matched
leads; the first accepts are charged and see the contact; the rest close as filled."""

import pytest

from billing.models import Charge, LedgerEntry

pytestmark = pytest.mark.django_db


def test_maple_platform_request_plays_end_to_end_through_the_api(
    api_client, marketplace, homeowner, make_pro, request_body, django_capture_on_commit_callbacks
):
    policy = marketplace.policy
    policy.matched_leads_enabled, policy.fee_matched, policy.matched_fanout, policy.matched_capacity = True, 2500, 5, 3
    policy.save()
    members = [make_pro(rank=100 - i) for i in range(6)]  # six qualified: fan-out keeps the best five
    low_star = make_pro(star=79, rank=200)
    basic = make_pro(tier="basic", rank=300)
    paused = make_pro(paused=True, rank=400)
    elsewhere = make_pro(areas=("M4C",), rank=500)

    created = api_client(marketplace, homeowner).post("/api/v1/quote-requests/", request_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["source"] == "platform" and body["area"] == "M5V"
    offered = [lead["pro"]["id"] for lead in body["leads"]]
    assert offered == [m.pro_id for m in members[:5]]
    assert not {low_star.pro_id, basic.pro_id, paused.pro_id, elsewhere.pro_id} & set(offered)
    assert all(lead["kind"] == "matched" and lead["status"] == "pending" for lead in body["leads"])

    def pro_lead(user):
        client = api_client(marketplace, user)
        listing = client.get("/api/v1/pro/leads/").json()["results"]
        assert len(listing) == 1
        return client, listing[0]

    client, lead = pro_lead(members[0])
    assert lead["fee"] == {"amount": 2500, "currency": "CAD"}
    assert lead["deadline"] is not None and lead["contact"] is None
    assert (lead["offered_count"], lead["accepted_count"]) == (5, 0)

    for user in members[:3]:
        client, lead = pro_lead(user)
        accepted = client.post(
            f"/api/v1/pro/leads/{lead['id']}/accept/", {"message": "Tomorrow 9am", "price": 18000}, format="json"
        )
        assert accepted.status_code == 200, accepted.json()
        assert accepted.json()["status"] == "accepted"
        assert accepted.json()["contact"]["phone"] == "+1 416 555 0100"

    for user in members[3:5]:
        client, lead = pro_lead(user)
        assert lead["status"] == "filled" and lead["contact"] is None
        late = client.post(f"/api/v1/pro/leads/{lead['id']}/accept/", {}, format="json")
        assert late.status_code == 409 and late.json()["error"]["code"] == "lead_not_pending"

    assert Charge.objects.filter(status="succeeded", amount=2500).count() == 3
    assert LedgerEntry.objects.filter(kind="charge", amount=2500).count() == 3
    followed = api_client(marketplace, homeowner).get(f"/api/v1/quote-requests/{body['id']}/").json()
    statuses = sorted(lead["status"] for lead in followed["leads"])
    assert statuses == ["accepted", "accepted", "accepted", "filled", "filled"]
    assert followed["status"] == "closed"
    assert {lead["quote"]["price_min"] for lead in followed["leads"] if lead["quote"]} == {18000}
