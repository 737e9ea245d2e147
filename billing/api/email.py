"""``POST /billing/email/bounce/``: the e-mail provider reports a bounce (signed)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from billing import contact_checks
from billing.api import serializers as s
from marketplace.api.base import PlatformAPIViewUnscoped


class EmailBounceView(PlatformAPIViewUnscoped):
    """Unscoped on purpose: one e-mail provider serves every marketplace, and an address
    bounces whichever marketplace sent to it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.EmailBounceInput,
        responses={200: s.EmailBounceOutput, 400: OpenApiResponse(description="invalid_signature")},
        auth=[],
    )
    def post(self, request):
        contact_checks.bounce_signature_verify(
            body=request.body, header=request.headers.get(contact_checks.BOUNCE_SIGNATURE_HEADER)
        )
        data = s.EmailBounceInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = data.validated_data
        _bounce, created, credited = contact_checks.contact_bounce_record(
            event_id=event["id"],
            email=event["email"],
            kind=event["bounce_type"],
            occurred_at=event["occurred_at"],
            diagnostic=event["diagnostic"],
        )
        return Response(s.EmailBounceOutput({"received": True, "duplicate": not created, "credited": credited}).data)
