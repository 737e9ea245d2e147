"""Permission classes per role. A view names the roles it serves; everyone else gets 403."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from marketplace.models import Role


class IsHomeowner(BasePermission):
    message = _("Only homeowners can do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.HOMEOWNER)


class IsProMember(BasePermission):
    message = _("Only pro accounts can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.PRO and user.pro_id)


class IsMarketplaceStaff(BasePermission):
    message = _("Only this marketplace's staff can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_of(request.marketplace))
