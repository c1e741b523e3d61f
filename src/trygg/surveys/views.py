from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.areas.selectors import municipalities_for_user

from .selectors import survey_round_areas, survey_round_get_for_user, survey_rounds_for_user
from .services import survey_round_create, survey_samples_set


def _require(user, capability: str) -> None:
    if not user.can(capability):
        raise Http404


@login_required
def round_list(request):
    _require(request.user, Capability.VIEW_REPORTS)
    can_manage = request.user.can(Capability.RUN_ANALYSIS)
    municipalities = municipalities_for_user(request.user)
    if request.method == "POST" and can_manage:
        municipality = municipalities.filter(code=request.POST.get("municipality")).first()
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = None
        if municipality is None or year is None or not 1990 <= year <= 2100:
            messages.error(request, _("Choose a municipality and a year."))
        else:
            survey_round = survey_round_create(
                municipality=municipality, year=year, actor=request.user
            )
            return redirect("surveys:detail", round_id=survey_round.pk)
    rounds = survey_rounds_for_user(request.user).order_by("municipality__name", "-year")
    return render(
        request,
        "surveys/round_list.html",
        {"rounds": rounds, "can_manage": can_manage, "municipalities": municipalities},
    )


@login_required
def round_detail(request, round_id: int):
    _require(request.user, Capability.VIEW_REPORTS)
    survey_round = survey_round_get_for_user(request.user, round_id=round_id)
    rows = survey_round_areas(survey_round=survey_round)
    can_manage = request.user.can(Capability.RUN_ANALYSIS)
    if request.method == "POST" and can_manage:
        sizes = {}
        for row in rows:
            raw = request.POST.get(f"sample_{row['area'].id}", "").strip()
            if raw == "":
                sizes[row["area"].id] = None
            elif raw.isdigit():
                sizes[row["area"].id] = int(raw)
        changed = survey_samples_set(survey_round=survey_round, sizes=sizes, actor=request.user)
        messages.success(request, _("The sample was saved (%(n)d areas changed).") % {"n": changed})
        return redirect("surveys:detail", round_id=survey_round.pk)
    responses = sum(r["responses"] for r in rows)
    sample = sum(r["sample"] or 0 for r in rows)
    return render(
        request,
        "surveys/round_detail.html",
        {
            "round": survey_round,
            "rows": rows,
            "responses": responses,
            "sample": sample,
            "rate": responses / sample if sample else None,
            "can_manage": can_manage,
        },
    )
