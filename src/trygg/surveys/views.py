import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError
from trygg.areas.selectors import municipalities_for_user
from trygg.core.exports import csv_response
from trygg.core.http import allow
from trygg.core.problems import problem_text
from trygg.jobs.backend import ensure_worker
from trygg.jobs.selectors import job_get_for_user

from .codes import code_hash, code_normalise
from .forms import CloseForm, PaperCodeForm, RoundSettingsForm, SampleForm
from .models import RoundStatus
from .selectors import (
    survey_letter_persons,
    survey_pages_visible,
    survey_progress,
    survey_round_areas,
    survey_round_for_staff,
    survey_round_get_for_user,
    survey_rounds_for_user,
    survey_sample_counts,
)
from .services import (
    CodeUsedError,
    SurveyStateError,
    letters_file_path,
    survey_answer_submit,
    survey_answers_mark,
    survey_letters_printed,
    survey_letters_start,
    survey_round_close,
    survey_round_create,
    survey_round_open,
    survey_round_settings_update,
    survey_sample_import,
    survey_samples_set,
)
from .web import web_questionnaire


@allow("GET", "POST")
@login_required
def round_list(request):
    if not survey_pages_visible(request.user):
        raise Http404
    can_manage = request.user.can(Capability.RUN_ANALYSIS) or request.user.can(
        Capability.MANAGE_SURVEY
    )
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


@allow("GET", "POST")
@login_required
def round_detail(request, round_id: int):
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
            "can_run_survey": request.user.can(Capability.MANAGE_SURVEY),
            "can_see_progress": request.user.can(Capability.VIEW_SURVEY_PROGRESS),
        },
    )


# --- the web questionnaire (issue 7): progress, settings, sample, letters, paper, close ---


def _round(request, round_id: int, capability: str):
    return survey_round_for_staff(request.user, round_id=round_id, capability=capability)


def _problems(exc: InputError) -> list[str]:
    return [problem_text(p) for p in exc.problems[:50]]


@allow("GET")
@login_required
def round_progress(request, round_id: int):
    survey_round = _round(request, round_id, Capability.VIEW_SURVEY_PROGRESS)
    # The sample rows are marked in batches of several answers, never one by one.
    survey_answers_mark(survey_round=survey_round)
    return render(
        request,
        "surveys/round_progress.html",
        {
            "round": survey_round,
            "progress": survey_progress(survey_round=survey_round),
            "can_run_survey": request.user.can(Capability.MANAGE_SURVEY),
        },
    )


@allow("GET", "POST")
@login_required
def round_settings(request, round_id: int):
    survey_round = _round(request, round_id, Capability.MANAGE_SURVEY)
    problems: list[str] = []
    form = RoundSettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"opens_on": survey_round.opens_on, "closes_on": survey_round.closes_on},
    )
    if request.method == "POST" and request.POST.get("action") == "open":
        try:
            survey_round_open(survey_round=survey_round, actor=request.user)
        except SurveyStateError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The round is open: residents can answer."))
        return redirect("surveys:settings", round_id=survey_round.pk)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["questionnaire"]
        yaml_text = None
        if upload is not None:
            try:
                yaml_text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                problems = [_("The questionnaire is not UTF-8 text.")]
        if not problems:
            try:
                survey_round_settings_update(
                    survey_round=survey_round,
                    actor=request.user,
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                    questionnaire_yaml=yaml_text,
                    file_name=upload.name if upload is not None else "questionnaire.yaml",
                )
            except InputError as exc:
                problems = _problems(exc)
            except SurveyStateError as exc:
                problems = [str(exc)]
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("surveys:settings", round_id=survey_round.pk)
    return render(
        request,
        "surveys/round_settings.html",
        {"round": survey_round, "form": form, "problems": problems},
        status=400 if problems or form.errors else 200,
    )


@allow("GET", "POST")
@login_required
def round_sample(request, round_id: int):
    survey_round = _round(request, round_id, Capability.MANAGE_SURVEY)
    form = SampleForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sample.csv"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                count = survey_sample_import(
                    survey_round=survey_round, path=path, actor=request.user, file_name=upload.name
                )
            except InputError as exc:
                problems = _problems(exc)
            except SurveyStateError as exc:
                problems = [str(exc)]
            else:
                messages.success(
                    request,
                    _("The sample of %(n)d persons was imported; each has a code.") % {"n": count},
                )
                return redirect("surveys:sample", round_id=survey_round.pk)
    return render(
        request,
        "surveys/round_sample.html",
        {
            "round": survey_round,
            "form": form,
            "problems": problems,
            "counts": survey_sample_counts(survey_round=survey_round),
        },
        status=400 if problems or form.errors else 200,
    )


@allow("GET", "POST")
@login_required
def round_letters(request, round_id: int):
    survey_round = _round(request, round_id, Capability.MANAGE_SURVEY)
    kind = request.POST.get("kind")
    if request.method == "POST" and kind in ("invitation", "reminder", "reminder_csv"):
        survey_answers_mark(survey_round=survey_round)
        persons = survey_letter_persons(survey_round=survey_round, reminder=kind != "invitation")
        if not persons:
            messages.error(request, _("Nobody to write to."))
            return redirect("surveys:letters", round_id=survey_round.pk)
        if kind == "reminder_csv":
            survey_letters_printed(
                survey_round=survey_round,
                kind="reminder",
                count=len(persons),
                actor=request.user,
                what="addresses exported",
            )
            return _reminder_csv(survey_round, persons)
        # Thousands of A4 pages take minutes: they are laid out in the background.
        job = survey_letters_start(
            survey_round=survey_round,
            kind=kind,
            answer_url=request.build_absolute_uri(reverse("answer:start")),
            actor=request.user,
        )
        survey_letters_printed(
            survey_round=survey_round, kind=kind, count=len(persons), actor=request.user
        )
        return redirect(f"{reverse('surveys:letters', args=[survey_round.pk])}?job={job.public_id}")
    job = None
    if request.GET.get("job"):
        job = job_get_for_user(request.user, public_id=request.GET["job"])
        if job.result.get("round") != survey_round.pk:
            raise Http404
        ensure_worker()
    return render(
        request,
        "surveys/round_letters.html",
        {
            "round": survey_round,
            "counts": survey_sample_counts(survey_round=survey_round),
            "job": job,
        },
    )


@allow("GET")
@login_required
def letters_file(request, public_id):
    """The PDF a letters job wrote: names and addresses, for the survey administrator only."""
    job = job_get_for_user(request.user, public_id=public_id)
    survey_round = _round(request, job.result.get("round", 0), Capability.MANAGE_SURVEY)
    path = letters_file_path(job)
    if not path.is_file():
        raise Http404
    kind = job.result.get("kind", "invitation")
    survey_letters_printed(
        survey_round=survey_round,
        kind=kind,
        count=job.result.get("letters", 0),
        actor=request.user,
        what="letters downloaded",
    )
    name = "paminnelser" if kind == "reminder" else "inbjudningar"
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{name}-{survey_round.municipality.code}-{survey_round.year}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response


def _reminder_csv(survey_round, persons: list[dict]) -> HttpResponse:
    response = csv_response(
        filename=f"paminnelser-{survey_round.municipality.code}-{survey_round.year}.csv",
        header=["name", "street", "postcode", "city", "area", "code"],
        rows=(
            [p["name"], p["street"], p["postcode"], p["city"], p["area"], p["code"]]
            for p in persons
        ),
        delimiter=";",
        bom=True,
    )
    response["Cache-Control"] = "no-store"
    return response


@allow("GET", "POST")
@login_required
def round_paper(request, round_id: int):
    """Staff key in a paper questionnaire: its printed code and its answers, through the same
    submit as the web, so that a code answers once whichever channel comes first."""
    survey_round = _round(request, round_id, Capability.MANAGE_SURVEY)
    questionnaire = web_questionnaire(survey_round.questionnaire_yaml, lang="sv")
    form = PaperCodeForm(request.POST if request.method == "POST" else None)
    answers = questionnaire.clean(request.POST) if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        code = code_normalise(form.cleaned_data["code"])
        if code is None:
            form.add_error("code", _("This is not a code: 8 letters and digits."))
        elif survey_round.status != RoundStatus.OPEN:
            form.add_error("code", _("The round is not open for answers."))
        else:
            try:
                survey_answer_submit(code_hash=code_hash(code), answers=answers, channel="paper")
            except CodeUsedError:
                form.add_error("code", _("This code is not in the sample or has already answered."))
            else:
                messages.success(request, _("The paper answer was saved."))
                return redirect("surveys:paper", round_id=survey_round.pk)
    number, sections = 0, []
    for section in questionnaire.sections:
        entries = []
        for item in section.items:
            number += 1
            entries.append({"item": item, "number": number, "selected": answers.get(item.code)})
        sections.append({**section.__dict__, "entries": entries})
    return render(
        request,
        "surveys/round_paper.html",
        {"round": survey_round, "form": form, "sections": sections},
        status=400 if form.errors else 200,
    )


@allow("GET", "POST")
@login_required
def round_close(request, round_id: int):
    survey_round = _round(request, round_id, Capability.MANAGE_SURVEY)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            culled = survey_round_close(survey_round=survey_round, actor=request.user)
        except SurveyStateError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The round is closed; the sample of %(n)d persons was deleted.") % {"n": culled},
            )
        return redirect("surveys:detail", round_id=survey_round.pk)
    return render(
        request,
        "surveys/round_close.html",
        {
            "round": survey_round,
            "form": form,
            "counts": survey_sample_counts(survey_round=survey_round),
        },
        status=400 if form.errors else 200,
    )
