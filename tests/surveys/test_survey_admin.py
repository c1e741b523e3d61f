"""Running a survey round: sample frame, letters, paper answers, vendor files with codes,
the response-rate dashboard, and closing with the culling of the sample."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import (
    IMMEDIATE_TASKS,
    AreaFactory,
    MunicipalityFactory,
    survey_sample_world,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.analysis.errors import InputError
from trygg.analysis.questionnaire import standard_questionnaire
from trygg.audit.models import AuditEvent
from trygg.surveys import codes
from trygg.surveys.models import (
    RoundStatus,
    SurveyDraft,
    SurveyResponse,
    SurveySample,
    SurveySampleCell,
    SurveySamplePerson,
)
from trygg.surveys.services import (
    SurveyStateError,
    survey_answer_submit,
    survey_answers_mark,
    survey_draft_save,
    survey_responses_import,
    survey_round_close,
    survey_sample_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="A1", name="Nacksta")
    AreaFactory(municipality=municipality, code="A2", name="Skönsberg")
    return municipality


@pytest.fixture
def admin(client, two_factor_off, municipality):
    client.force_login(user_in(municipality, role=Role.SURVEY_ADMINISTRATOR))
    return client


def test_sample_frame_gets_codes_encrypted_and_sample_sizes(municipality, tmp_path):
    _survey_round, found = survey_sample_world(municipality, persons=6, status="draft")
    assert len(found) == 6 and len(set(found)) == 6
    for code in found:
        assert len(code) == 8 and not set(code) & set("0O1IL")
    person = SurveySamplePerson.objects.first()
    assert "Testperson" not in person.contact_encrypted and "Exempelgatan" not in (
        person.contact_encrypted
    )
    assert codes.contact_decrypt(person.contact_encrypted)["name"].startswith("Testperson")
    assert dict(SurveySample.objects.values_list("area__code", "size")) == {"A1": 3, "A2": 3}


def test_a_bad_sample_frame_names_line_and_column_and_imports_nothing(municipality, tmp_path):
    survey_round, _found = survey_sample_world(municipality, persons=2, status="draft")
    path = tmp_path / "urval.csv"
    path.write_text(
        "område;kön;ålder;namn;adress;postnummer;postort\n"
        "A1;K;34;Anna Påhittad;Testgatan 1;999 99;Testby\n"
        "Z9;X;12;;Testgatan 2;999 99;Testby\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        survey_sample_import(survey_round=survey_round, path=path, actor=None)
    where = {(p.line, p.column) for p in caught.value.problems}
    assert where == {(3, "area_code"), (3, "sex"), (3, "age_group"), (3, "name")}
    assert SurveySamplePerson.objects.count() == 2  # the old frame is untouched


def test_letters_pdf_and_reminders_only_to_those_who_have_not_answered(
    admin, municipality, settings, tmp_path
):
    settings.TASKS = IMMEDIATE_TASKS
    settings.VAR_DIR = tmp_path
    settings.TRYGG_SURVEY_CONTROLLER_CONTACT = "Kommunstyrelsen, dataskydd@example.se"
    survey_round, found = survey_sample_world(municipality, persons=3)
    survey_answer_submit(code_hash=codes.code_hash(found[0]), answers={}, channel="web")
    invitation = _letters(admin, survey_round, "invitation")
    assert invitation["Content-Type"] == "application/pdf"
    text = _pdf_text(b"".join(invitation.streaming_content))
    # Who is responsible for the sample's personal data, and how to reach them.
    assert "Personuppgiftsansvarig" in " ".join(text.split())
    assert "dataskydd@example.se" in text
    assert codes.code_format(found[1]) in text and "Testperson 1" in text
    assert "engelska" in text  # the other languages are named
    reminder = _letters(admin, survey_round, "reminder")
    text = _pdf_text(b"".join(reminder.streaming_content))
    assert codes.code_format(found[0]) not in text and codes.code_format(found[2]) in text
    listing = admin.post(f"/surveys/{survey_round.id}/letters/", {"kind": "reminder_csv"})
    rows = listing.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 3 and "Testperson 0" not in listing.content.decode("utf-8-sig")
    events = AuditEvent.objects.filter(object_type="survey_sample", action="export")
    # queued and downloaded, for each kind; then the address list
    assert [e.details["count"] for e in events.order_by("id")] == [3, 3, 2, 2, 2]
    assert all("Testperson" not in e.summary + str(e.details) for e in events)
    # The files hold names and addresses: closing the round deletes them.
    assert len(list((tmp_path / "letters").iterdir())) == 2
    survey_round_close(survey_round=survey_round, actor=None)
    assert list((tmp_path / "letters").iterdir()) == []


def _letters(admin, survey_round, kind: str):
    """Queue the letters, follow the job to the letters page and download the file."""
    queued = admin.post(f"/surveys/{survey_round.id}/letters/", {"kind": kind})
    assert queued.status_code == 302 and "?job=" in queued.url
    page = admin.get(queued.url)
    assert page.status_code == 200
    job = page.context["job"]
    assert job.is_finished and job.status == "done"
    link = f"/surveys/letters/{job.public_id}.pdf"
    assert link in page.content.decode()
    response = admin.get(link)
    assert response.status_code == 200
    return response


def _pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    import pypdf

    return " ".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(pdf)).pages)


def test_paper_answer_uses_the_same_code_once(admin, municipality):
    survey_round, found = survey_sample_world(municipality, persons=2)
    item = standard_questionnaire().items[0].code
    url = f"/surveys/{survey_round.id}/paper/"
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"code": found[0].lower(), item: "5"})
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.answers[item] == 5
    again = admin.post(url, {"code": found[0], item: "1"})
    assert again.status_code == 400 and SurveyResponse.objects.count() == 1
    # The sample row is marked in the next batch (ADR 0011), with the channel.
    survey_answers_mark(survey_round=survey_round, minimum=0)
    person = SurveySamplePerson.objects.get(code_hash=codes.code_hash(found[0]))
    assert person.answered and person.channel == "paper"


def test_vendor_file_codes_mark_answered_and_duplicates_are_refused(municipality, tmp_path):
    _survey_round, found = survey_sample_world(municipality, persons=3)
    item_codes = [i.code for i in standard_questionnaire().items]
    header = ";".join(
        ["respondent_id", "year", "area_code", "sex", "age_group", "kod", *item_codes]
    )

    def write(rows):
        lines = [header]
        for respondent, code in rows:
            lines.append(";".join([respondent, "2026", "A1", "F", "25-34", code, *["2"] * 20]))
        path = tmp_path / "leverantor.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    survey_answer_submit(code_hash=codes.code_hash(found[0]), answers={}, channel="web")
    with pytest.raises(InputError) as caught:
        survey_responses_import(
            municipality=municipality,
            path=write([("v1", found[1]), ("v2", found[1]), ("v3", found[0])]),
        )
    assert {(p.line, p.column) for p in caught.value.problems} == {(3, "code"), (4, "code")}
    assert SurveyResponse.objects.count() == 1
    path = write([("v1", found[1]), ("v2", codes.code_format(found[2]))])
    result = survey_responses_import(municipality=municipality, path=path)
    assert result.created == 2
    survey_answers_mark(survey_round=_survey_round, minimum=0)
    assert set(
        SurveySamplePerson.objects.filter(answered=True).values_list("channel", flat=True)
    ) == {"web", "file"}
    assert not SurveyResponse.objects.filter(respondent_id__in=found).exists()
    # The same file twice changes nothing and is not a duplicate of itself.
    assert survey_responses_import(municipality=municipality, path=path).created == 0


def test_dashboard_counts_per_area_sex_and_age_group(client, two_factor_off, municipality):
    survey_round, found = survey_sample_world(municipality, persons=4)
    survey_answer_submit(code_hash=codes.code_hash(found[0]), answers={}, channel="web")
    survey_answer_submit(code_hash=codes.code_hash(found[1]), answers={}, channel="paper")
    for role in (Role.SAFETY_COORDINATOR, Role.ANALYST, Role.SURVEY_ADMINISTRATOR):
        client.force_login(user_in(municipality, role=role))
        page = client.get(f"/surveys/{survey_round.id}/progress/").content.decode()
        assert 'id="overall-rate">50 %' in page
        assert "Nacksta" in page and "65-74" in page
        assert "Testperson" not in page and found[2] not in page
    client.force_login(user_in(municipality, role=Role.MANAGEMENT))
    assert client.get(f"/surveys/{survey_round.id}/progress/").status_code == 404
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    assert client.get(f"/surveys/{survey_round.id}/letters/").status_code == 404
    assert client.get(f"/surveys/{survey_round.id}/sample/").status_code == 404


def test_closing_culls_the_sample_and_keeps_the_counts(admin, municipality):
    survey_round, found = survey_sample_world(municipality, persons=4)
    survey_answer_submit(code_hash=codes.code_hash(found[0]), answers={}, channel="web")
    survey_draft_save(code_hash=codes.code_hash(found[1]), answers={"litter": 2})
    url = f"/surveys/{survey_round.id}/close/"
    assert admin.post(url, {}).status_code == 400  # not confirmed: nothing happens
    assert SurveySamplePerson.objects.count() == 4
    assert admin.post(url, {"confirm": "on"}).status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.status == RoundStatus.CLOSED and survey_round.closed_at
    assert not SurveySamplePerson.objects.exists() and not SurveyDraft.objects.exists()
    assert sum(SurveySampleCell.objects.values_list("sampled", flat=True)) == 4
    assert sum(SurveySampleCell.objects.values_list("answered_web", flat=True)) == 1
    assert sum(SurveySample.objects.values_list("size", flat=True)) == 4
    assert SurveyResponse.objects.count() == 1
    event = AuditEvent.objects.get(action="cull", object_type="survey_round")
    assert event.details["persons"] == 4
    page = admin.get(f"/surveys/{survey_round.id}/progress/").content.decode()
    assert 'id="overall-rate">25 %' in page
    # No more answers, on any channel.
    with pytest.raises(SurveyStateError):
        survey_round_close(survey_round=survey_round, actor=None)
    response = admin.post("/svar/", {"code": found[2]})
    assert response.status_code == 400


def test_round_questionnaire_upload_is_validated(admin, municipality):
    survey_round, _found = survey_sample_world(municipality, persons=1, status="draft")
    url = f"/surveys/{survey_round.id}/settings/"
    bad = SimpleUploadedFile("egen.yaml", b"name: {sv: x, en: y}\nscales: {}\n")
    response = admin.post(url, {"questionnaire": bad, "opens_on": "", "closes_on": ""})
    assert response.status_code == 400
    assert "egen.yaml" in response.content.decode() and "items" in response.content.decode()
    own = survey_round.questionnaire_yaml.replace(
        "sv: Trygghetsmätning, standardenkät", "sv: Vår egen enkät"
    )
    good = SimpleUploadedFile("egen.yaml", own.encode())
    response = admin.post(
        url, {"questionnaire": good, "opens_on": "2026-03-01", "closes_on": "2026-04-15"}
    )
    assert response.status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.questionnaire_name == "Vår egen enkät"
    admin.post(url, {"action": "open"})
    survey_round.refresh_from_db()
    assert survey_round.status == RoundStatus.OPEN
    response = admin.post(url, {"questionnaire": SimpleUploadedFile("x.yaml", own.encode())})
    assert response.status_code == 400  # the questionnaire is fixed once the round is open
