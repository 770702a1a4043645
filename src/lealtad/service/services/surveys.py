"""Satisfaction surveys: scheduled when a case is resolved or a contact ends, sent by the
dispatcher's tick when due (e-mail with a signed answer link, then the dialer's call list),
answered once; an unhappy answer opens a follow-up case.

Seed 002 asks by e-mail within 24 hours and by phone within 48 hours. The e-mail waits a
little (a case reopened in the next hour is not yet a story to rate); the phone call is put
on the dialer's list at 24 hours if the mail was not answered, so the dialer has a day to reach
the customer. The due times are columns: no timer lives in a process.

The e-mail goes only to a customer who consented to e-mail for the ``surveys`` purpose
(asked through the customers' selectors right before sending), in the customer's language;
without consent it is skipped and the survey says why. The dialer checks phone consent itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.customers import selectors as customer_reads
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import InteractionRecorded
from lealtad.customers.selectors.dialing import live_customer_ids
from lealtad.customers.selectors.mailing import MailingFacts, mailing_facts
from lealtad.service.models import Case, Survey
from lealtad.service.services import cases

log = logging.getLogger(__name__)
SALT = "lealtad.service.survey"
ACTOR = Actor.system("surveys")
UNHAPPY_CSAT = 2  # 1-2 of 5
UNHAPPY_NPS = 6  # detractors: 0-6 of 10
TOKEN_MAX_AGE = timedelta(days=30)
PURPOSE = "surveys"  # the consent purpose the e-mail needs (channel email)


class SurveyRefused(DomainError):
    code = "survey_refused"
    kind = "invalid"


class SurveyNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class SurveyAnswered(DomainError):
    code = "survey_answered"
    kind = "conflict"


def email_delay() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "LEALTAD_SURVEY_EMAIL_DELAY_MINUTES", 120)))


def phone_delay() -> timedelta:
    return timedelta(hours=int(getattr(settings, "LEALTAD_SURVEY_PHONE_DELAY_HOURS", 24)))


def phone_list() -> str:
    return str(getattr(settings, "LEALTAD_SURVEY_CALL_LIST", "encuesta-48h"))


@dataclass(frozen=True)
class Answer:
    csat: int | None
    nps: int | None
    comment: str = ""
    channel: str = "email"  # email / phone / portal


def schedule(
    origin: str,
    customer_id: int,
    at: datetime,
    *,
    case: Case | None = None,
    contact_id: int | None = None,
) -> Survey | None:
    """One survey per case or contact (a repeated event schedules nothing new)."""
    found = Survey.objects.filter(origin=origin).first()
    if found is not None:
        return None
    return Survey.objects.create(
        origin=origin,
        customer_id=customer_id,
        case_id=case.pk if case else None,
        contact_id=contact_id,
        category=case.category if case else "",
        subtype=case.subtype if case else "",
        product_sku=case.product_sku if case else "",
        language=(translation.get_language() or "es")[:2],
        created_at=at,
        email_due_at=at + email_delay(),
        phone_due_at=at + phone_delay(),
    )


@hub.subscriber("case.resolved", name="service.surveys.case_resolved")
def on_case_resolved(message: hub.Message) -> None:
    case = Case.objects.filter(pk=int(message.payload.get("case_id") or 0)).first()
    if case is None or case.customer_id is None:
        return
    schedule(f"case-{case.pk}", case.customer_id, case.resolved_at or timezone.now(), case=case)


@hub.subscriber("contact.ended", name="service.surveys.contact_ended")
def on_contact_ended(message: hub.Message) -> None:
    """A handled contact is rated; an abandoned or blocked one is not (nobody served it)."""
    payload, customer_id = message.payload, message.customer_id
    if not customer_id or payload.get("status") != "done" or not payload.get("answered_at"):
        return
    contact_id = int(payload.get("contact_id") or 0)
    # A call wrapped up into a case is asked about when its case is resolved: one question per
    # story, whichever subscriber of this event runs first.
    if payload.get("open_case") or Case.objects.filter(contact_id=contact_id).exists():
        return
    ended = payload.get("ended_at")
    at = datetime.fromisoformat(ended) if ended else timezone.now()
    schedule(f"contact-{contact_id}", int(customer_id), at, contact_id=contact_id)


def token(survey: Survey) -> str:
    return signing.dumps(survey.pk, salt=SALT)


def survey_for_token(value: str) -> Survey:
    try:
        pk = signing.loads(value, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise SurveyRefused(_("This survey link has expired."), field="token") from None
    except signing.BadSignature:
        raise SurveyNotFound(_("This survey link is not valid."), field="token") from None
    found = Survey.objects.filter(pk=pk).first()
    if found is None:
        raise SurveyNotFound(_("This survey link is not valid."), field="token")
    return found


def _check(answer: Answer) -> None:
    if answer.csat is None and answer.nps is None:
        raise SurveyRefused(_("Give a satisfaction score or a recommendation score."), field="csat")
    if answer.csat is not None and not 1 <= answer.csat <= 5:
        raise SurveyRefused(_("Satisfaction is 1 to 5."), field="csat")
    if answer.nps is not None and not 0 <= answer.nps <= 10:
        raise SurveyRefused(_("Recommendation is 0 to 10."), field="nps")
    if len(answer.comment) > 5000:
        raise SurveyRefused(_("At most 5,000 characters."), field="comment")
    if answer.channel not in ("email", "phone", "portal"):
        raise SurveyRefused(_("Answered by e-mail, phone or the portal."), field="channel")


def unhappy(csat: int | None, nps: int | None) -> bool:
    return (csat is not None and csat <= UNHAPPY_CSAT) or (nps is not None and nps <= UNHAPPY_NPS)


def answer(survey_id: int, given: Answer, at: datetime | None = None) -> Survey:
    """The first answer counts; a second is refused and the first kept."""
    _check(given)
    now = at or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None:
            raise SurveyNotFound(_("There is no survey %(id)s."), field="survey", id=survey_id)
        if survey.answered_at is not None:
            raise SurveyAnswered(_("This survey was already answered."), field="survey")
        survey.csat, survey.nps, survey.comment = given.csat, given.nps, given.comment.strip()
        survey.answered_at, survey.answered_by = now, given.channel
        survey.status = Survey.Status.ANSWERED
        if unhappy(given.csat, given.nps):
            survey.follow_up_case_id = _follow_up(survey).pk
        survey.save()
        _on_timeline(survey, now)
    return survey


def _follow_up(survey: Survey) -> Case:
    about = _("case %(id)s") % {"id": survey.case_id} if survey.case_id else survey.origin
    origin = Case.objects.filter(pk=survey.case_id).first() if survey.case_id else None
    if origin is not None:
        about = origin.number
    new = cases.NewCase(
        subject=_("Unhappy survey answer about %(about)s") % {"about": about},
        category="complaint",
        subtype="quality",
        description=_("CSAT %(csat)s, NPS %(nps)s. %(comment)s")
        % {"csat": survey.csat, "nps": survey.nps, "comment": survey.comment},
        customer_id=survey.customer_id,
        channel="survey",
        priority=2,
        group=origin.group.name if origin is not None and origin.group else "",
        product_sku=survey.product_sku,
        order_number=origin.order_number if origin is not None else "",
        extra={"survey_id": survey.pk, "follow_up_of": survey.case_id},
    )
    return cases.open_case(new, ACTOR)


def _on_timeline(survey: Survey, at: datetime) -> None:
    customer = customer_reads.get_customer(survey.customer_id)
    if customer is None:
        return  # merged away or erased: the survey keeps its answer, no timeline to write
    ctx = customer_services.ChangeContext(
        actor=ACTOR, event_id=f"survey-{survey.pk}#answered", channel=survey.answered_by
    )
    summary = f"CSAT {survey.csat if survey.csat is not None else '-'}/5, "
    summary += f"NPS {survey.nps if survey.nps is not None else '-'}/10"
    if survey.comment:
        summary += f": {survey.comment}"
    customer_services.record_interaction(
        customer,
        InteractionRecorded(
            kind="survey",
            direction="inbound",
            subject=_("Survey answered"),
            summary=summary[:10000],
            related_type="survey",
            related_id=str(survey.pk),
        ),
        ctx,
        at=at,
    )


def answer_base() -> str:
    """The answer page's address up to its token (the signed token completes it)."""
    link = str(getattr(settings, "LEALTAD_PUBLIC_URL", "http://localhost:8000")).rstrip("/")
    return link + reverse("service:survey_answer", args=["TOKEN"]).replace("TOKEN/", "")


def _mail(survey: Survey, to: str, base: str, language: str) -> EmailMessage:
    link = f"{base}{token(survey)}/"
    with translation.override(language):
        lines = [_("How did we do? Answer with one click:"), ""]
        lines += [f"{n}/5: {link}?csat={n}" for n in range(5, 0, -1)]
        lines += ["", _("Thank you.")]
        subject = _("How did we do?")
    return EmailMessage(
        subject,
        "\n".join(lines),
        getattr(settings, "DEFAULT_FROM_EMAIL", "noreply@localhost"),
        [to],
    )


def why_not_mailed(facts: MailingFacts | None) -> str:
    """Why a survey may not be mailed to this customer ('' when it may): the customer must
    exist, have an address and have consented to e-mail for surveys."""
    if facts is None:
        return "customer gone"
    if not facts.email:
        return "no e-mail address"
    if facts.refused:
        return f"the customer refused e-mail for {PURPOSE}"
    if not facts.consent:
        return f"no consent to e-mail for {PURPOSE}"
    return ""


def _skip(survey: Survey, reason: str) -> None:
    """The e-mail is not sent, for good (the phone call at its time still may be)."""
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.SKIPPED, note=f"e-mail skipped: {reason}"[:200], email_due_at=None
    )


def send_due_emails(now: datetime | None = None, limit: int = 200) -> int:
    """Mails the surveys that are due over one SMTP connection; a refused delivery stays due
    for the next pass. The sent ones are marked in one statement at the end of the batch: a
    crash in between mails at most one batch twice, and the answer page takes one answer."""
    now = now or timezone.now()
    due = list(
        Survey.objects.filter(
            status=Survey.Status.SCHEDULED, email_due_at__lte=now, emailed_at__isnull=True
        ).order_by("email_due_at")[:limit]
    )
    if not due:
        return 0
    sent: list[Survey] = []
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", timeout=30)
    try:
        _send_batch(due, connection, now, sent)
    finally:
        connection.close()
        Survey.objects.bulk_update(sent, ["emailed_at", "email_to", "status", "language"])
    return len(sent)


def _send_batch(due: list[Survey], connection: Any, now: datetime, sent: list[Survey]) -> None:
    base = answer_base()
    # Asked now, not when scheduled: a consent withdrawn since stops the mail.
    facts = mailing_facts({survey.customer_id for survey in due}, PURPOSE)
    for survey in due:
        found = facts.get(survey.customer_id)
        reason = why_not_mailed(found)
        if found is None or reason:
            _skip(survey, reason)
            continue
        message = _mail(survey, found.email, base, found.language)
        message.connection = connection
        try:
            connection.open()  # once: a no-op while the connection stays open
            message.send()
        except OSError as exc:
            log.warning("survey %s not sent: %s", survey.pk, exc)
            Survey.objects.filter(pk=survey.pk).update(note=f"mail refused: {exc}"[:200])
            return  # the server is down: the next pass tries again
        survey.emailed_at, survey.email_to, survey.status = now, found.email, Survey.Status.EMAILED
        survey.language = found.language
        sent.append(survey)


def list_due_calls(now: datetime | None = None, limit: int = 500) -> int:
    """Puts the unanswered surveys due for a call on the dialer's list (it honours consent,
    do-not-call and calling hours itself)."""
    from lealtad.contactcenter.services import dialer

    now = now or timezone.now()
    due = list(
        Survey.objects.filter(
            answered_at__isnull=True, phone_due_at__lte=now, phoned_at__isnull=True
        ).values_list("pk", "customer_id")[:limit]
    )
    if not due:
        return 0
    live = live_customer_ids([cid for _pk, cid in due])
    gone = [pk for pk, cid in due if cid not in live]  # merged or erased: one bad row would
    if gone:  # refuse the whole file, so they are set aside first
        Survey.objects.filter(pk__in=gone).update(phone_due_at=None, note="customer gone")
        due = [(pk, cid) for pk, cid in due if cid in live]
        if not due:
            return 0
    text = "customer_id\n" + "".join(f"{cid}\n" for _pk, cid in due)
    try:
        dialer.add_from_csv(phone_list(), text, ACTOR)
    except DomainError as exc:
        Survey.objects.filter(pk__in=[pk for pk, _c in due]).update(
            phone_due_at=None, note=f"not listed for a call: {exc}"[:200]
        )
        return 0
    Survey.objects.filter(pk__in=[pk for pk, _c in due]).update(phoned_at=now)
    return len(due)


@hub.before_pass
def tick() -> None:
    """The dispatcher's tick: what is due goes out."""
    send_due_emails()
    list_due_calls()


def as_dict(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "origin": survey.origin,
        "customer_id": survey.customer_id,
        "case_id": survey.case_id,
        "status": survey.status,
        "csat": survey.csat,
        "nps": survey.nps,
        "comment": survey.comment,
        "answered_by": survey.answered_by,
        "follow_up_case_id": survey.follow_up_case_id,
    }
