"""The residents' answer pages under /svar/: no account, a one-time code, any device.

The page language is the resident's choice (kept in the session), not the staff language
cookie. The session holds the code's hash while answering; it is dropped on pause and on
sending, so a shared computer keeps nothing.
"""

from __future__ import annotations

import re

from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from trygg.core.client import client_address
from trygg.core.http import allow

from . import services
from .models import SurveySamplePerson
from .web import language_info, survey_languages, web_questionnaire

SESSION_CODE = "survey_code_hash"
SESSION_LANGUAGE = "survey_language"
SESSION_WRONG = "survey_wrong_codes"
SESSION_PENDING = "survey_pending_answers"
_ITEM_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _language(request) -> str:
    offered = survey_languages()
    chosen = request.GET.get("lang")
    if chosen in offered:
        request.session[SESSION_LANGUAGE] = chosen
    lang = request.session.get(SESSION_LANGUAGE)
    return lang if lang in offered else "sv"


def _render(request, template: str, context: dict, lang: str, status: int = 200):
    info = language_info(lang)
    languages = [
        {"code": code, "name": language_info(code)["name_local"], "current": code == lang}
        for code in survey_languages()
    ]
    with translation.override(lang):
        response = render(
            request,
            template,
            {
                **context,
                "lang": lang,
                "dir": "rtl" if info.get("bidi") else "ltr",
                "languages": languages,
            },
            status=status,
        )
    response["Content-Language"] = lang
    # The answer pages hold a resident's answers: never from a shared cache.
    response["Cache-Control"] = "no-store"
    return response


def _current_person(request) -> SurveySamplePerson | None:
    digest = request.session.get(SESSION_CODE)
    if not digest:
        return None
    person = (
        SurveySamplePerson.objects.filter(code_hash=digest, answered=False)
        .select_related("round")
        .first()
    )
    if (
        person is None
        or not services.survey_round_accepts(person.round)
        or services.survey_code_pending(code_hash=digest)
    ):
        request.session.pop(SESSION_CODE, None)
        return None
    return person


def _start_page(request, lang: str, *, error: str = "", notice: str = "", status: int = 200):
    return _render(
        request,
        "surveys/answer/start.html",
        {"error": error, "notice": notice, "code": request.POST.get("code", "")},
        lang,
        status,
    )


@allow("GET", "POST")
def start(request):
    lang = _language(request)
    if request.method == "GET":
        return _start_page(request, lang)
    with translation.override(lang):
        check = services.survey_code_check(
            text=request.POST.get("code", ""), client_address=client_address(request)
        )
        # A right code is never refused for earlier wrong ones; the session's lock, like the
        # address's, only holds back further wrong ones.
        if check.outcome != "ok" and (
            request.session.get(SESSION_WRONG, 0) >= services.WRONG_CODES_PER_SESSION
        ):
            return _start_page(request, lang, error=_locked_message(), status=429)
        if check.outcome == "malformed":
            error = _(
                "A code has 8 letters and digits, like K7XM-4QPR. It never contains 0, O, 1, "
                "I or L."
            )
            return _start_page(request, lang, error=error, status=400)
        if check.outcome == "limited":
            return _start_page(request, lang, error=_locked_message(), status=429)
        if check.outcome == "wrong":
            request.session[SESSION_WRONG] = request.session.get(SESSION_WRONG, 0) + 1
            if request.session[SESSION_WRONG] >= services.WRONG_CODES_PER_SESSION:
                return _start_page(request, lang, error=_locked_message(), status=429)
            error = _(
                "We could not use this code. Check that you typed it as printed in the letter. "
                "A code can be used only once, and only while the survey is open."
            )
            return _start_page(request, lang, error=error, status=400)
    person = check.person
    request.session.cycle_key()
    request.session[SESSION_CODE] = person.code_hash
    request.session[SESSION_WRONG] = 0
    pending = request.session.pop(SESSION_PENDING, None)
    if pending:
        answers = services.survey_draft_answers(code_hash=person.code_hash)
        answers.update(pending)
        services.survey_draft_save(code_hash=person.code_hash, answers=answers)
    return redirect("answer:questions")


def _locked_message() -> str:
    return _(
        "Too many codes that could not be used were typed. For your safety the form is locked "
        "for an hour. Try again later, or answer on the paper form."
    )


@allow("GET", "POST")
def questions(request):
    lang = _language(request)
    person = _current_person(request)
    if person is None:
        if request.method == "POST":
            # The session ended (closed browser, a long pause): keep what was typed and ask
            # for the code again, so that no answer is lost whatever the time taken.
            request.session[SESSION_PENDING] = {
                k: v
                for k, v in list(request.POST.items())[:300]
                if _ITEM_FIELD.match(k) and v.isdigit()
            }
            with translation.override(lang):
                notice = _("Type your code again to continue. Your answers are kept.")
            return _start_page(request, lang, notice=notice)
        return _start_page(request, lang)
    with translation.override(lang):
        form = web_questionnaire(person.round.questionnaire_yaml, lang=lang)
    if request.method == "POST":
        answers = form.clean(request.POST)
        if request.POST.get("action") == "send":
            try:
                services.survey_answer_submit(
                    code_hash=person.code_hash, answers=answers, channel="web"
                )
            except services.CodeUsedError:
                request.session.pop(SESSION_CODE, None)
                return _start_page(request, lang)
            request.session.pop(SESSION_CODE, None)
            return redirect("answer:done")
        services.survey_draft_save(code_hash=person.code_hash, answers=answers)
        request.session.pop(SESSION_CODE, None)
        return _render(request, "surveys/answer/paused.html", {}, lang)
    answers = form.clean(services.survey_draft_answers(code_hash=person.code_hash))
    return _render(
        request,
        "surveys/answer/questions.html",
        {"form": form, "sections": _sections(form, answers), "round": person.round},
        lang,
    )


def _sections(form, answers: dict) -> list[dict]:
    """The questionnaire's sections with each item's number and the answer given so far."""
    number, sections = 0, []
    for section in form.sections:
        entries = []
        for item in section.items:
            number += 1
            entries.append({"item": item, "number": number, "selected": answers.get(item.code)})
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "intro": section.intro,
                "entries": entries,
            }
        )
    return sections


@allow("GET")
def done(request):
    return _render(request, "surveys/answer/done.html", {}, _language(request))
