"""Pages that oversee the cases without opening one: the aggregated statistics and the
sampling report for the review of the access log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.selectors import audit_sample
from trygg.core.params import BadQuery, query_params
from trygg.core.web import capability_required

from ..forms import LogReviewForm, StatisticsQuery
from ..selectors import case_statistics
from ._common import allow


@allow("GET")
@capability_required(Capability.VIEW_CASE_STATISTICS)
def statistics(request):
    year = query_params(request, StatisticsQuery)["year"] or timezone.localdate().year
    table = case_statistics(request.user, year=year)
    return render(request, "cases/statistics.html", {"table": table, "year": year})


@allow("GET")
@capability_required(Capability.VIEW_AUDIT)
def log_review(request):
    """The sampling report for the regular review of the access log (administrators)."""
    form = LogReviewForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadQuery(form.problems())
    today = timezone.localdate()
    since, until, size = today - timedelta(days=30), today + timedelta(days=1), 25
    if form.is_valid():
        since = form.cleaned_data["since"] or since
        until = (form.cleaned_data["until"] or today) + timedelta(days=1)
        size = form.cleaned_data["size"] or size
    report = audit_sample(
        since=timezone.make_aware(datetime.combine(since, time.min)),
        until=timezone.make_aware(datetime.combine(until, time.min)),
        # A reviewer reviews the access log of their own municipalities only.
        municipality_codes=municipalities_for_user(request.user).values_list("code", flat=True),
        size=size,
    )
    return render(request, "cases/log_review.html", {"form": form, "report": report})
