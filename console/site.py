"""The admin site of the operator console.

Its index is the marketplace dashboard (``console.dashboard``) above the usual list of
models; "View site" is gone (the project serves an API, not a site), and every page says in
which time zone its times are shown.
"""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.dashboard import dashboard_for
from marketplace.admin_base import admin_marketplace_id, is_marketplace_staff
from marketplace.admin_site import StaffAdminSite
from marketplace.models import Marketplace


class OperatorAdminSite(StaffAdminSite):
    """The staff admin site (password, lockout, optional TOTP) with the console's pages."""

    site_header = _("Lead marketplace administration")
    site_title = _("Lead marketplace admin")
    index_title = _("Operator console")
    site_url = None  # no public site behind the admin: no "View site" link to a 404
    index_template = "admin/console/index.html"

    def each_context(self, request):
        context = super().each_context(request)
        marketplace = console_marketplace(request, required=False)
        context["console_marketplace"] = marketplace
        context["console_time_zone"] = timezone.get_current_timezone_name()
        return context

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if is_marketplace_staff(request):
            marketplace = console_marketplace(request, required=False)
            if marketplace is not None:
                extra_context["dashboard"] = dashboard_for(marketplace=marketplace)
            if admin_marketplace_id(request) is None:
                extra_context["marketplaces"] = Marketplace.objects.order_by("slug")
        return super().index(request, extra_context)

    def get_urls(self):
        return [path("dashboard/", self.admin_view(self.index), name="dashboard"), *super().get_urls()]


def console_marketplace(request, *, required: bool = True) -> Marketplace | None:
    """The marketplace a page is about: the staff member's own; for platform superusers the one
    picked with ``?marketplace=<id>`` (kept in the session), else the first by slug."""
    if not getattr(request, "user", None) or not request.user.is_authenticated or not is_marketplace_staff(request):
        if required:
            raise Http404
        return None
    marketplace_id = admin_marketplace_id(request)
    if marketplace_id is not None:
        return Marketplace.objects.filter(pk=marketplace_id).first()
    chosen = request.GET.get("marketplace", "")
    if chosen.isdigit():
        request.session["console_marketplace"] = int(chosen)
    queryset = Marketplace.objects.order_by("slug")
    picked = request.session.get("console_marketplace")
    marketplace = (queryset.filter(pk=picked).first() if picked else None) or queryset.first()
    if marketplace is None and required:
        raise Http404
    return marketplace
