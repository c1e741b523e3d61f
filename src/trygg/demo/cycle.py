"""The demo's EST cycle, built on the analysis: what the municipality did about its priorities.

Operations in the top priority areas of the demo's analysis run (with organisations,
actions and periods whose before, during and after lie in the synthetic data, so their
evaluation has numbers), public citizen promises linked to them, the safety groups'
meetings and roles, and weekly pictures published for the past weeks with an assessment,
decided actions and, week by week, the earlier actions marked done, not done or postponed;
this week's picture stays a draft with the carried actions. One decided action became an
operation.

Everything goes through the apps' services as the coordinator; choices come from the demo
seed. Building again changes nothing: each part is skipped when it is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trygg.accounts.models import Organisation, SafetyGroup, User
from trygg.accounts.roles import Role
from trygg.analysis.situation import week_of_date
from trygg.areas.models import Area
from trygg.interventions.models import ActionStatus as OperationActionStatus
from trygg.interventions.models import CitizenPromise, Operation, OperationStatus
from trygg.interventions.services import (
    operation_action_add,
    operation_action_set_status,
    operation_create,
    promise_save,
)
from trygg.situation.models import (
    ActionStatus,
    DecidedAction,
    GroupMeeting,
    GroupMemberRole,
    GroupRole,
    WeeklyPicture,
)
from trygg.situation.selectors import PictureScope
from trygg.situation.selectors.actions import actions_carried
from trygg.situation.services.actions import (
    action_create,
    action_update_status,
    group_meeting_save,
    group_member_role_set,
)
from trygg.situation.services.pictures import (
    weekly_picture_publish,
    weekly_picture_save,
    weekly_picture_send_digest,
    weekly_picture_send_municipal_digest,
)

#: Operations in the top of the run's priority ranking (the report's summary).
OPERATION_TOP = 5
#: The operations' timing, in weeks back from this week's Monday: they ran ten weeks and
#: ended three months ago, so twelve weeks before, the ten during and eight after all lie in
#: the year of synthetic observations.
OPERATION_STARTED_WEEKS_AGO = 22
OPERATION_WEEKS = 10
BEFORE_WEEKS = 12
AFTER_WEEKS = 8
#: Published weekly pictures for this many past weeks; this week's stays a draft.
PICTURE_WEEKS = 5
#: The top of the demo seed's priority ranking: disorder is planted to fall there while the
#: operations run (trygg.demo.services.demo_operations_effect).
EXPECTED_TOP_AREAS = ("Nacksta", "Skönsberg", "Centrum", "Bredsand", "Östermalm")
# What the operations aimed at (observation categories), by the area's place in the ranking.
OPERATION_PLANS = (
    (
        "Kvällsnärvaro mot öppen narkotikahandel",
        ["open_drug_dealing", "disorder"],
        "Polis och fältassistenter på plats kvällstid vid torget, fastighetsägaren "
        "förbättrar belysningen.",
    ),
    (
        "Insats mot skadegörelse",
        ["vandalism", "disorder"],
        "Snabb sanering av klotter, bevakning av skolgården och kameror vid busskuren.",
    ),
    (
        "Tryggare helgkvällar",
        ["disorder", "threat_violence"],
        "Nattvandrare och polis på fredags- och lördagskvällar, öppet på fritidsgården.",
    ),
    (
        "Ungdomar i centrum",
        ["youth_gathering", "disorder"],
        "Fältassistenter och fritidsledare möter ungdomarna där de samlas.",
    ),
    (
        "Trygg väg hem",
        ["unsafe_place", "disorder"],
        "Belysning och röjning längs gångvägarna, trygghetsvandring med de boende.",
    ),
)
OPERATION_ACTIONS = (
    ("Kvällspatrull fredag och lördag", "police", OperationActionStatus.DONE),
    ("Fältassistenter på plats kvällstid", "field_work", OperationActionStatus.DONE),
    ("Ny belysning och röjning av buskage", "municipal_admin", OperationActionStatus.DONE),
    ("Öppet hus på fritidsgården", "leisure", OperationActionStatus.DOING),
)
PROMISES = (
    (
        "Tryggare kvällar i våra stadsdelar",
        "Polisen och kommunen lovar att vara på plats kvällstid där oron är störst, och att "
        "berätta vad vi gör och vad det har gett.",
        (0, 1, 2),
    ),
    (
        "Trygga platser för unga",
        "Vi lovar fler vuxna ute, öppna mötesplatser och bättre belysning på vägarna hem.",
        (3, 4),
    ),
)
ACTION_TEXTS = (
    "Polisen ökar närvaron kvällstid vid torget",
    "Fältassistenterna går extra pass fredag och lördag",
    "Fastighetsägaren lagar belysningen i gångtunneln",
    "Fritidsgården håller öppet längre på fredagar",
    "Skolan tar upp oron på föräldramötet",
    "Kommunen sanerar klottret inom ett dygn",
    "Parkförvaltningen röjer buskaget vid stigen",
)
ASSESSMENTS = (
    "Lugn vecka, i nivå med det vanliga. Enstaka ordningsstörningar kvällstid.",
    "Fler iakttagelser än vanligt på fredagskvällen; samlingar av ungdomar vid torget. "
    "Inga allvarliga händelser.",
    "Skadegörelsen har gått ner sedan saneringen. Oro i sociala medier inför helgen.",
    "Fortsatt samlingar kvällstid. Polisen och fältassistenterna samordnar sin närvaro.",
    "Något färre iakttagelser. Belysningen vid gångvägen är lagad.",
)
# Roles in the groups by the member's organisation (the convener is the coordinator).
ROLE_OF_ORGANISATION = {
    "police": GroupRole.POLICE,
    "school": GroupRole.SCHOOL,
    "leisure": GroupRole.MUNICIPALITY,
    "field_work": GroupRole.SOCIAL_SERVICES,
    "social_services": GroupRole.SOCIAL_SERVICES,
}
#: The action of the Nacksta group's last meeting that was made into an operation.
ACTION_TO_OPERATION = "Förstärkt kvällsnärvaro vid Nacksta torg"


@dataclass(frozen=True)
class CycleResult:
    operations: int = 0
    promises: int = 0
    pictures: int = 0
    actions: int = 0


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _top_area_codes(run, top: int) -> list[str]:
    """The ``top`` ranked areas of ``run`` (not of whatever run is current)."""
    import polars as pl

    from trygg.reports.selectors.results import run_table

    table = run_table(run, "priorities")
    if "rank" not in table.columns:
        return []
    ranked = table.filter(pl.col("rank").is_not_null()).sort("rank").head(top)
    return ranked.get_column("area_code").cast(pl.String).to_list()


def _organisations(municipality) -> dict[str, Organisation]:
    out: dict[str, Organisation] = {}
    for organisation in Organisation.objects.filter(municipalities=municipality).order_by("pk"):
        out.setdefault(organisation.kind, organisation)
    return out


def demo_cycle_build(*, run, seed: int = 2281, today: date | None = None) -> CycleResult:
    """Build the cycle on ``run`` (the demo's analysis). Returns what was created."""
    municipality = run.municipality
    today = today or timezone.localdate()
    actor = (
        User.objects.filter(
            role=Role.SAFETY_COORDINATOR,
            is_active=True,
            organisation__municipalities=municipality,
        )
        .order_by("username")
        .first()
    )
    if actor is None:
        return CycleResult()
    rng = np.random.default_rng(seed)
    organisations = _organisations(municipality)
    groups = list(
        SafetyGroup.objects.filter(municipality=municipality, areas__isnull=False)
        .distinct()
        .order_by("key")
    )
    with transaction.atomic():
        for group in groups:
            _meeting(actor, group, rng)
        pictures, actions = 0, 0
        for group in groups:
            made = _pictures(actor, PictureScope(municipality, group), today, rng)
            pictures += made[0]
            actions += made[1]
        pictures += _municipal_pictures(actor, municipality, today)
        operations = _operations(actor, run, organisations, today)
        operations += _action_operation(actor, municipality, organisations, today)
        promises = _promises(actor, municipality, today)
    return CycleResult(operations=operations, promises=promises, pictures=pictures, actions=actions)


# --------------------------------------------------------------- meetings and roles


def _meeting(actor, group: SafetyGroup, rng) -> None:
    """Meeting day and time, the convener as contact person and an e-mail list of partners
    without an account; every member's role. Once per group."""
    weekday = int(rng.integers(1, 5))  # Monday (1) to Thursday
    hour = int(rng.choice([9, 10, 13, 14]))
    if GroupMeeting.objects.filter(group=group).exists():
        return
    memberships = list(group.memberships.select_related("user__organisation").order_by("pk"))
    contact = next((m.user for m in memberships if m.is_convener), None) or (
        memberships[0].user if memberships else None
    )
    group_meeting_save(
        actor=actor,
        group=group,
        weekday=weekday,
        time=time(hour, 0),
        contact_person=contact,
        mailing_list=f"fastighet.{group.key}@example.se\nforening.{group.key}@example.se",
    )
    for membership in memberships:
        if GroupMemberRole.objects.filter(membership=membership).exists():
            continue
        kind = membership.user.organisation.kind if membership.user.organisation else ""
        role = (
            GroupRole.CONVENER
            if membership.is_convener
            else ROLE_OF_ORGANISATION.get(kind, GroupRole.MEMBER)
        )
        group_member_role_set(actor=actor, group=group, user=membership.user, role=role)


# --------------------------------------------------------------- weekly pictures


def _pictures(actor, scope: PictureScope, today: date, rng) -> tuple[int, int]:
    """Published pictures for the past weeks, each meeting marking the earlier actions and
    deciding new ones; this week's a draft. Once per group (it has decided actions)."""
    this_week = week_of_date(today)
    # Draws happen whether or not the group is built, so the others do not change.
    plan = [
        (
            int(rng.integers(len(ASSESSMENTS))),
            rng.choice(len(ACTION_TEXTS), size=2, replace=False).tolist(),
            int(rng.integers(1, 3)),
        )
        for _ in range(PICTURE_WEEKS)
    ]
    if DecidedAction.objects.filter(municipality=scope.municipality, group=scope.group).exists():
        return 0, 0
    members = [
        m.user
        for m in scope.group.memberships.select_related("user__organisation").order_by("pk")
        if m.user.organisation_id
    ]
    pictures = actions = 0
    # The meeting's word on an action, in turn: most get done, some not, some wait.
    verdicts = (ActionStatus.DONE, ActionStatus.POSTPONED, ActionStatus.DONE, ActionStatus.NOT_DONE)
    turn = 0
    for offset, (assessment, texts, n_new) in zip(range(PICTURE_WEEKS, 0, -1), plan, strict=True):
        week = this_week.shifted(-offset)
        for action in list(actions_carried(scope, week)):
            if action.status == ActionStatus.POSTPONED and action.due_on > week.monday:
                continue  # postponed past this meeting: it stays open
            status = verdicts[turn % len(verdicts)]
            turn += 1
            action_update_status(
                actor=actor,
                action=action,
                week=week,
                status=status,
                due_on=week.monday + timedelta(weeks=2)
                if status == ActionStatus.POSTPONED
                else None,
            )
        for number, text in enumerate(texts[:n_new]):
            person = members[(offset + number) % len(members)] if members else None
            action_create(
                actor=actor,
                scope=scope,
                week=week,
                what=ACTION_TEXTS[text],
                due_on=week.monday + timedelta(days=4 + 7 * number),
                responsible_user=person,
            )
            actions += 1
        if offset == 1 and scope.group.key.endswith("nacksta"):
            action_create(
                actor=actor,
                scope=scope,
                week=week,
                what=ACTION_TO_OPERATION,
                due_on=week.monday + timedelta(weeks=6),
                responsible_organisation=_organisations(scope.municipality).get("police"),
            )
            actions += 1
        picture = weekly_picture_publish(
            actor=actor,
            scope=scope,
            week=week,
            assessment=ASSESSMENTS[assessment],
            decided_actions="Se beslutade åtgärder nedan.",
        )
        pictures += 1
        if offset == 1:
            # Last week's digest to the group: read it in the development mailbox.
            weekly_picture_send_digest(actor=actor, picture=picture)
    weekly_picture_save(
        actor=actor,
        scope=scope,
        week=this_week,
        assessment="Utkast inför veckans möte: gå igenom förra veckans åtgärder.",
        decided_actions="",
    )
    return pictures, actions


def _municipal_pictures(actor, municipality, today: date) -> int:
    """The whole municipality's picture of last week, published and mailed to those who
    steer the work. Once."""
    week = week_of_date(today).shifted(-1)
    scope = PictureScope(municipality, None)
    if WeeklyPicture.objects.filter(
        municipality=municipality, group=None, iso_year=week.year, iso_week=week.week
    ).exists():
        return 0
    picture = weekly_picture_publish(
        actor=actor,
        scope=scope,
        week=week,
        assessment="Läget i kommunen i stort som vanligt; fortsatt oro kring Nacksta torg.",
        decided_actions="",
    )
    weekly_picture_send_municipal_digest(actor=actor, picture=picture)
    return 1


# --------------------------------------------------------------- operations and promises


def _operations(actor, run, organisations: dict[str, Organisation], today: date) -> int:
    municipality = run.municipality
    areas = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    starts_on = _monday(today) - timedelta(weeks=OPERATION_STARTED_WEEKS_AGO)
    ends_on = starts_on + timedelta(weeks=OPERATION_WEEKS, days=-1)
    lead = organisations.get("police") or next(iter(organisations.values()))
    partners = [o for kind, o in organisations.items() if o != lead and kind != "social_services"]
    created = 0
    for rank, code in enumerate(_top_area_codes(run, OPERATION_TOP)):
        area = areas.get(code)
        if area is None:
            continue
        name, categories, description = OPERATION_PLANS[rank % len(OPERATION_PLANS)]
        title = f"{name}, {area.name}"
        if Operation.objects.filter(municipality=municipality, title=title).exists():
            continue
        operation = operation_create(
            actor=actor,
            municipality=municipality,
            title=title,
            description=description,
            starts_on=starts_on,
            ends_on=ends_on,
            lead_organisation=lead,
            organisations=partners,
            areas=[area],
            categories=categories,
            status=OperationStatus.COMPLETED,
            before_weeks=BEFORE_WEEKS,
            after_weeks=AFTER_WEEKS,
        )
        for number, (what, kind, status) in enumerate(OPERATION_ACTIONS):
            owner = organisations.get(kind) or lead
            action = operation_action_add(
                actor=actor,
                operation=operation,
                description=what,
                owner_organisation=owner,
                due_on=starts_on + timedelta(weeks=2 + 2 * number),
            )
            operation_action_set_status(actor=actor, action=action, status=status)
        created += 1
    return created


def _action_operation(actor, municipality, organisations, today: date) -> int:
    """The Nacksta group's decided action made into an operation that runs now."""
    action = (
        DecidedAction.objects.filter(municipality=municipality, what=ACTION_TO_OPERATION)
        .select_related("group")
        .first()
    )
    if action is None or action.operations.exists():
        return 0
    lead = organisations.get("police") or next(iter(organisations.values()))
    monday = _monday(today)
    operation_create(
        actor=actor,
        municipality=municipality,
        title=ACTION_TO_OPERATION,
        description="Beslutad på trygghetsgruppens möte efter oron kring torget.",
        starts_on=monday,
        ends_on=monday + timedelta(weeks=6, days=-1),
        lead_organisation=lead,
        organisations=[o for k, o in organisations.items() if k == "field_work"],
        areas=list(action.group.areas.all()),
        categories=["open_drug_dealing"],
        status=OperationStatus.ACTIVE,
        decided_action=action,
    )
    return 1


def _promises(actor, municipality, today: date) -> int:
    operations = list(
        Operation.objects.filter(municipality=municipality, decided_action=None).order_by("pk")
    )
    created = 0
    start = date(today.year, 1, 1)
    for title, text, indices in PROMISES:
        if CitizenPromise.objects.filter(municipality=municipality, title=title).exists():
            continue
        promise_save(
            actor=actor,
            municipality=municipality,
            title=title,
            text=text,
            starts_on=start,
            ends_on=date(today.year, 12, 31),
            operations=[operations[i] for i in indices if i < len(operations)],
            is_public=True,
        )
        created += 1
    return created


def demo_department_link(municipality) -> str:
    """The status link a department got for the demo's report in progress (the same as in
    the mail in the development mailbox), to try the department's page."""
    from django.urls import reverse

    from trygg.residents.models import ReportDispatch, ReportStatus
    from trygg.residents.services import status_token

    dispatch = (
        ReportDispatch.objects.filter(
            report__municipality=municipality, report__status=ReportStatus.IN_PROGRESS
        )
        .order_by("pk")
        .first()
    )
    if dispatch is None:
        return ""
    site = (getattr(settings, "TRYGG_SITE_URL", "") or "").rstrip("/")
    return site + reverse("trygghet:department-status", args=[status_token(dispatch)])
