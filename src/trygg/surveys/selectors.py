"""Reads of survey data. Raw responses leave this module only as tables for the analysis;
pages and the API show aggregated, suppressed results."""

from __future__ import annotations

import polars as pl
from django.conf import settings
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404

from trygg.accounts.roles import Capability
from trygg.analysis.questionnaire import Questionnaire, parse_questionnaire
from trygg.analysis.survey_io import parse_responses
from trygg.areas.models import Municipality

from .models import SurveyResponse, SurveyRound, SurveySample


def survey_rounds(*, municipality: Municipality):
    return SurveyRound.objects.filter(municipality=municipality).order_by("year")


def survey_questionnaire(
    *, municipality: Municipality, year: int | None = None
) -> Questionnaire | None:
    """The questionnaire of the given (or latest) round."""
    rounds = survey_rounds(municipality=municipality)
    survey_round = rounds.filter(year=year).first() if year else rounds.last()
    if survey_round is None:
        return None
    return parse_questionnaire(survey_round.questionnaire_yaml, source=str(survey_round))


def survey_responses_table(
    *, municipality: Municipality, years: list[int] | None = None
) -> pl.DataFrame | None:
    """All responses of the municipality as the analysis reads them from a file."""
    questionnaire = survey_questionnaire(municipality=municipality)
    if questionnaire is None:
        return None
    responses = SurveyResponse.objects.filter(round__municipality=municipality)
    if years:
        responses = responses.filter(round__year__in=years)
    rows = list(
        responses.values_list(
            "respondent_id", "round__year", "area__code", "sex", "age_group", "answers"
        ).iterator(chunk_size=5000)
    )
    item_codes = [item.code for item in questionnaire.items]
    columns: dict[str, list] = {
        "respondent_id": [r[0] for r in rows],
        "year": [r[1] for r in rows],
        "area_code": [r[2] for r in rows],
        "sex": [r[3] for r in rows],
        "age_group": [r[4] for r in rows],
    }
    for code in item_codes:
        columns[code] = [r[5].get(code) for r in rows]
    frame = pl.DataFrame(
        columns,
        schema={
            **{k: pl.String for k in columns},
            "year": pl.Int32,
            **{c: pl.Int64 for c in item_codes},
        },
    )
    return parse_responses(frame, file="database", questionnaire=questionnaire).frame


def survey_rounds_for_user(user):
    """Rounds of the user's municipalities, for roles that read the results."""
    from trygg.accounts.roles import Capability
    from trygg.areas.selectors import municipalities_for_user

    if not (
        user.is_authenticated
        and any(
            user.can(c)
            for c in (
                Capability.VIEW_REPORTS,
                Capability.VIEW_SURVEY_PROGRESS,
                Capability.MANAGE_SURVEY,
            )
        )
    ):
        return SurveyRound.objects.none()
    return (
        SurveyRound.objects.filter(municipality__in=municipalities_for_user(user))
        .select_related("municipality")
        .annotate(
            responses_count=Count("responses", distinct=True),
            sample_total=Subquery(
                SurveySample.objects.filter(round=OuterRef("pk"))
                .values("round")
                .annotate(total=Sum("size"))
                .values("total")[:1]
            ),
        )
    )


def survey_round_get_for_user(user, *, round_id: int) -> SurveyRound:
    try:
        return survey_rounds_for_user(user).get(pk=round_id)
    except (SurveyRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def survey_round_areas(*, survey_round: SurveyRound) -> list[dict]:
    """Per area: the number of answers, the sample and the response rate (counts only:
    never a respondent's answers)."""
    from trygg.areas.models import Area, AreaLevel

    counts = dict(
        SurveyResponse.objects.filter(round=survey_round)
        .values_list("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    samples = dict(survey_round.samples.values_list("area_id", "size"))
    rows = []
    for area in Area.objects.filter(
        municipality=survey_round.municipality, level=AreaLevel.AREA
    ).order_by("name"):
        n, sample = counts.get(area.id, 0), samples.get(area.id)
        rows.append(
            {
                "area": area,
                "responses": n,
                "sample": sample,
                "rate": (n / sample) if sample else None,
            }
        )
    return rows


# --- the web questionnaire (issue 7) ----------------------------------------------------


def survey_round_for_staff(user, *, round_id: int, capability: str) -> SurveyRound:
    """The round if the user has the capability and works in its municipality, else 404."""
    if not user.can(capability):
        raise Http404
    try:
        return survey_rounds_for_user(user).get(pk=round_id)
    except (SurveyRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def survey_progress(*, survey_round: SurveyRound) -> dict:
    """Sampled and answered (web, paper, file) per area × sex × age group, with the totals
    per area, per sex, per age group and overall: counts only, never a person.

    While the round is open the counts come from the sample rows; after closing from the
    cells kept at closing."""
    from trygg.analysis.survey_io import AGE_GROUPS, SEXES
    from trygg.areas.models import Area

    from .models import RoundStatus, SurveySampleCell, SurveySamplePerson

    cells: dict[tuple, dict] = {}
    if survey_round.status == RoundStatus.CLOSED:
        for c in SurveySampleCell.objects.filter(round=survey_round):
            cells[(c.area_id, c.sex, c.age_group)] = {
                "sampled": c.sampled,
                "web": c.answered_web,
                "paper": c.answered_paper,
                "file": c.answered_file,
            }
    else:
        rows = (
            SurveySamplePerson.objects.filter(round=survey_round)
            .values("area_id", "sex", "age_group", "answered", "channel")
            .annotate(n=Count("id"))
        )
        for r in rows:
            cell = cells.setdefault(
                (r["area_id"], r["sex"], r["age_group"]),
                {"sampled": 0, "web": 0, "paper": 0, "file": 0},
            )
            cell["sampled"] += r["n"]
            if r["answered"]:
                cell[r["channel"] or "file"] += r["n"]
    names = dict(Area.objects.filter(id__in={k[0] for k in cells}).values_list("id", "name"))

    def summary(label, parts) -> dict:
        total = {"label": label, "sampled": 0, "web": 0, "paper": 0, "file": 0}
        for part in parts:
            for key in ("sampled", "web", "paper", "file"):
                total[key] += part[key]
        total["answered"] = total["web"] + total["paper"] + total["file"]
        total["rate"] = (
            round(100 * total["answered"] / total["sampled"]) if total["sampled"] else None
        )
        return total

    def group(index: int, order, label) -> list[dict]:
        keys = sorted({k[index] for k in cells}, key=order)
        return [summary(label(k), [v for c, v in cells.items() if c[index] == k]) for k in keys]

    age_order = {a: i for i, a in enumerate(AGE_GROUPS)}
    sex_order = {s: i for i, s in enumerate(SEXES)}
    overall = summary("", cells.values())
    if survey_round.status != RoundStatus.CLOSED:
        # Answers whose sample rows are not yet marked (ADR 0011) count in the total only.
        from .models import SurveyCodeUse

        for channel, n in (
            SurveyCodeUse.objects.filter(round=survey_round)
            .values_list("channel")
            .annotate(n=Count("id"))
        ):
            overall[channel] += n
            overall["answered"] += n
        if overall["sampled"]:
            overall["rate"] = round(100 * overall["answered"] / overall["sampled"])
    progress = {
        "overall": overall,
        "areas": group(0, lambda k: names.get(k, ""), lambda k: names.get(k, "")),
        "sexes": group(1, lambda k: sex_order.get(k, 9), lambda k: k),
        "ages": group(2, lambda k: age_order.get(k, 99), lambda k: k),
        "cells": [
            summary((names.get(a, ""), s, g), [v])
            for (a, s, g), v in sorted(
                cells.items(),
                key=lambda kv: (
                    names.get(kv[0][0], ""),
                    sex_order.get(kv[0][1], 9),
                    age_order.get(kv[0][2], 99),
                ),
            )
        ],
    }
    if survey_round.status != RoundStatus.CLOSED:
        threshold = settings.TRYGG_STATISTICS_MIN_COUNT
        for key in ("areas", "sexes", "ages", "cells"):
            for row in progress[key]:
                _suppress_small(row, threshold)
    return progress


def _suppress_small(row: dict, threshold: int) -> None:
    """While the round is open, a count of answers below the threshold is shown as "<n":
    with the sample list at hand, a cell of one answered person would name who answered,
    and the answers keep the same cells."""
    small = [k for k in ("web", "paper", "file", "answered") if 0 < row[k] < threshold]
    for key in small:
        row[key] = f"<{threshold}"
    if small:
        row["rate"] = None


def survey_letter_persons(*, survey_round: SurveyRound, reminder: bool) -> list[dict]:
    """Name, address and code of every sampled person (for the reminder: those who have not
    answered), decrypted for the letters. Only the survey administrator's views call this."""
    from . import codes
    from .models import SurveySamplePerson

    persons = SurveySamplePerson.objects.filter(round=survey_round).order_by("area__name", "id")
    pending: set[str] = set()
    if reminder:
        from .models import SurveyCodeUse
        from .services import used_hash

        persons = persons.filter(answered=False)
        # Answered but not yet marked (the marks come in batches): no reminder either.
        pending = set(
            SurveyCodeUse.objects.filter(round=survey_round).values_list("used_hash", flat=True)
        )
    out = []
    for person in persons.select_related("area"):
        if pending and used_hash(person.code_hash) in pending:
            continue
        code = codes.decrypt(person.code_encrypted)
        out.append(
            {
                **codes.contact_decrypt(person.contact_encrypted),
                "area": person.area.name,
                "code": codes.code_format(code) if code else "",
                "raw_code": code,
            }
        )
    return out


def survey_sample_counts(*, survey_round: SurveyRound) -> dict:
    from .models import SurveySamplePerson

    persons = SurveySamplePerson.objects.filter(round=survey_round)
    return {"persons": persons.count(), "answered": persons.filter(answered=True).count()}


def survey_pages_visible(user) -> bool:
    """Whether the survey pages (and their menu entry) are for this user at all."""
    return any(
        user.can(capability)
        for capability in (
            Capability.VIEW_REPORTS,
            Capability.VIEW_SURVEY_PROGRESS,
            Capability.MANAGE_SURVEY,
        )
    )
