from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from trygg.audit.admin_mixins import AuditedAdminMixin

from .two_factor import session_has_second_factor


class TryggAdminSite(AdminSite):
    """The raw Django admin, for the operator of the installation only.

    Municipal administrators work in the app's own pages, which are scoped to their
    municipality; the admin is not, so only a superuser who signed in with a second factor
    may enter, and every change made here goes to the audit log.
    """

    site_header = _("Trygg administration")
    site_title = _("Trygg administration")

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff and user.is_superuser):
            return False
        # The session itself must have passed the second factor: a password alone, from
        # whatever login view, is not enough for the one page that sees every municipality.
        return not settings.TRYGG_REQUIRE_TWO_FACTOR or session_has_second_factor(request)

    def login(self, request, extra_context=None):
        # The admin's own login form asks for a password only; the site's login (allauth)
        # asks for the second factor too. Never authenticate here.
        if request.user.is_authenticated:
            # Signed in but not the operator: the site's login would send straight back.
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            messages.error(
                request, _("The Django administration is for the operator of the installation.")
            )
            return HttpResponseRedirect(reverse("home"))
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
        )

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model admin, ours and third parties' (allauth's authenticators, axes' attempts),
        # writes its additions, changes and deletions to the audit log.
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(admin_class.__name__, (AuditedAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)
