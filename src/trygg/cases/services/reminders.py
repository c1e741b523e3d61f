"""Reminders that leave Trygg: the e-mail to a coordinator that a consent runs out.

The mail names no person (e-mail is no place for secret data): it says that a consent on
one of the coordinator's cases runs out on a date, and links to the case, where the
choke point decides and logs as for any other read."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from trygg.audit.models import AuditAction

from ..access import Purpose
from ..models import Case
from ..selectors import ConsentWarning, consent_expiry_mailings
from ._common import log_change


def consent_expiry_notify(
    *, simulate: bool = False, today: date | None = None
) -> list[tuple[Case, ConsentWarning]]:
    """Mail each case's coordinator once about a consent that runs out within
    ``TRYGG_CONSENT_EXPIRY_WARNING_DAYS``; with ``simulate``, only say what would go.
    Run daily (``trygg manage consent_expiry_mail``). A consent is mailed about once: a
    missed day is caught up the next, and a second run sends nothing."""
    due = consent_expiry_mailings(today=today)
    if simulate:
        return due
    sent = []
    for case, warning in due:
        if not case.coordinator.email:
            continue
        with transaction.atomic():
            _send(case, warning)
            # Every counting consent that ends that day is covered by this one mail.
            case.person.consents.filter(
                valid_to=warning.expires_on, expiry_warned_at__isnull=True
            ).update(expiry_warned_at=timezone.now())
            log_change(
                None,
                action=AuditAction.EXPORT,
                object_type="cases.case",
                object_id=case.public_id,
                person=case.person,
                purpose=Purpose.CONSENT,
                municipality=case.municipality,
                mail="consent_expiry",
                expires_on=warning.expires_on.isoformat(),
            )
        sent.append((case, warning))
    return sent


def _send(case: Case, warning: ConsentWarning) -> None:
    with override(settings.LANGUAGE_CODE):
        context = {
            "case": case,
            "warning": warning,
            # An absolute link where the install knows its address (TRYGG_SITE_URL).
            "path": settings.TRYGG_SITE_URL.rstrip("/")
            + reverse("cases:case", kwargs={"case_id": case.public_id}),
        }
        subject = _("Trygg: a consent runs out on %(date)s") % {
            "date": warning.expires_on.isoformat()
        }
        body = render_to_string("cases/mail/consent_expiry.txt", context)
    EmailMessage(subject=subject, body=body, to=[case.coordinator.email]).send()
