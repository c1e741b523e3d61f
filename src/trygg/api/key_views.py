"""A user's own API keys: create one (shown once), see them listed by their first
characters, revoke one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from trygg.core.http import allow

from .forms import ApiKeyCreateForm, ApiKeyRevokeForm
from .selectors import api_keys_for_user
from .services import api_key_create, api_key_revoke


@allow("GET", "POST")
@login_required
def api_keys(request):
    new_key = None
    form = ApiKeyCreateForm()
    if request.method == "POST" and "revoke" in request.POST:
        revoke = ApiKeyRevokeForm(request.POST)
        if revoke.is_valid():
            # Only one's own keys: another user's id is simply not found.
            api_key = get_object_or_404(
                api_keys_for_user(request.user), pk=revoke.cleaned_data["revoke"]
            )
            api_key_revoke(api_key=api_key, actor=request.user)
            messages.success(request, _("The API key was revoked."))
        return redirect("api-keys:list")
    if request.method == "POST":
        form = ApiKeyCreateForm(request.POST)
        if form.is_valid():
            _api_key, new_key = api_key_create(
                user=request.user, name=form.cleaned_data["name"], actor=request.user
            )
            form = ApiKeyCreateForm()
    response = render(
        request,
        "api/api_keys.html",
        {
            "keys": api_keys_for_user(request.user),
            "form": form,
            "new_key": new_key,
            "key_days": settings.TRYGG_API_KEY_DAYS,
        },
    )
    # The one page that ever shows a key must not leave it in a cache.
    response["Cache-Control"] = "no-store"
    return response
