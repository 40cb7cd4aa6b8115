"""Overdue follow-up: the daily scan writes each reminder once per round (clerk; resident of a plate waiting at the
office), the reminders go out through a real SMTP server (the job on the real worker too), a case that moved on is
not reminded of; the supervisors' dashboard (steps by age, every overdue case, the weekly trend) and its page."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from smtplib import SMTPRecipientsRefused

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from geo_portal.reissue import dashboard
from geo_portal.reissue.models import Case, CaseStep, OverdueNotice
from geo_portal.reissue.services import (
    PlateRequest,
    case_open,
    fee_assess,
    order_create,
    order_delivered,
    payment_record,
)
from geo_portal.reissue.services.overdue import SendResult, overdue_scan, overdue_send
from geo_portal.reissue.tasks import remind_overdue
from tests.reissue.conftest import APPLICANT, Inbox, free_port


def today() -> dt.date:
    """The office's date now (not at import: a run that crosses midnight in Taipei changed days under a constant)."""
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def due(case: Case, on: dt.date) -> Case:
    Case.objects.filter(pk=case.pk).update(due_on=on)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def overdue_world(street, staff, fees):
    """clerk1 (with an e-mail address): 1號 requested and due 10 days ago, 3號 delivered and due 2 days ago (its
    applicant gave an e-mail); clerk2 (no address): 9號 fee assessed, due yesterday; 7號 due in 2 days."""
    staff["clerk"].email = "clerk1@office.example.tw"
    staff["clerk"].save(update_fields=["email"])

    def open_(number, clerk, applicant=APPLICANT):
        return case_open(source="counter", plates=[PlateRequest(street["plates"][number].pk)], reason="missing",
                         applicant=applicant, actor=staff[clerk])  # fmt: skip

    late = due(open_(1, "clerk"), days(-10))
    waiting = open_(3, "clerk")
    fee_assess(case_id=waiting.pk, version=1, actor=staff["clerk"])
    payment_record(case_id=waiting.pk, version=2, method="cash", amount=200, actor=staff["clerk"])
    order = order_create(cases={waiting.pk: 3}, actor=staff["clerk"])
    order_delivered(order_id=order.pk, delivered_on=today(), actor=staff["clerk"])
    waiting = due(waiting, days(-2))
    assessed = fee_assess(case_id=open_(9, "clerk2").pk, version=1, actor=staff["clerk2"])
    assessed = due(assessed, days(-1))
    fine = due(open_(7, "clerk"), days(2))
    return {"late": late, "waiting": waiting, "assessed": assessed, "fine": fine}


def notices() -> list[tuple[str, str, str, int, str]]:
    return list(
        OverdueNotice.objects.order_by("case__reference", "recipient", "round").values_list(
            "case__reference", "state", "recipient", "round", "outcome"
        )
    )


def refs(*cases: Case) -> list[str]:
    return [c.reference for c in cases]


@pytest.mark.django_db
def test_the_scan_writes_each_reminder_once_per_round(overdue_world, staff):
    w = overdue_world
    result = overdue_scan(today=today())
    assert (result.clerk, result.resident) == (3, 1)
    expected = sorted(
        [
            (w["late"].reference, "requested", "clerk", 1, ""),  # 10 days overdue: round (10 - 1) // 7
            (w["waiting"].reference, "delivered", "clerk", 0, ""),
            (w["waiting"].reference, "delivered", "resident", 0, ""),
            (w["assessed"].reference, "fee_assessed", "clerk", 0, ""),
        ]
    )
    assert sorted(notices()) == expected
    assert overdue_scan(today=today()) == type(result)(clerk=0, resident=0)  # a second run adds nothing
    later = overdue_scan(today=days(4))  # only 7號 is new (2 days overdue); the others are still in their round
    assert (later.clerk, later.resident) == (1, 0)
    week = overdue_scan(today=days(7))  # a week on: the next round for the three clerks' cases, not the resident
    assert (week.clerk, week.resident) == (3, 0)


@pytest.mark.django_db
def test_the_reminders_arrive_by_smtp_and_a_case_that_moved_on_is_left(overdue_world, staff, smtp):
    w = overdue_world
    overdue_scan(today=today())
    # The fee of 9號 is paid before the reminders go out: its reminder is closed unsent.
    payment_record(case_id=w["assessed"].pk, version=2, method="cash", amount=200, actor=staff["clerk2"])
    result = overdue_send()
    assert (result.clerk_emails, result.resident_emails, result.no_address, result.moved_on) == (1, 1, 0, 1)
    assert sorted(o for *_rest, o in notices()) == ["moved_on", "sent", "sent", "sent"]
    messages = {tuple(rcpt): email.message_from_bytes(raw, policy=policy.default) for _f, rcpt, raw in smtp.messages}
    clerk = messages[("clerk1@office.example.tw",)]
    assert clerk["Subject"].strip() == "逾期補發案件 Overdue re-issue cases: 2"
    body = clerk.get_body(preferencelist=("plain",)).get_content()
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert [line.split(" · ")[0][2:] for line in lines] == refs(w["late"], w["waiting"])  # oldest due first
    assert f"/reissue/cases/{w['late'].pk}/" in lines[0] and f"({days(-10).isoformat()})" in lines[0]
    resident = messages[("ming@example.tw",)]
    assert resident["Subject"].strip() == f"門牌已可領取 Your door plate is ready ({w['waiting'].reference})"
    text = resident.get_body(preferencelist=("plain",)).get_content()
    assert f"/reissue/status/?ref={w['waiting'].reference}" in text and "clerk1" not in text
    assert overdue_send() == type(result)(0, 0, 0, 0)  # nothing left to send


@pytest.mark.django_db
def test_a_clerk_without_an_address_is_marked_and_still_on_the_dashboard(overdue_world, staff, smtp):
    staff["clerk"].email = ""
    staff["clerk"].save(update_fields=["email"])
    overdue_scan(today=today())
    result = overdue_send()
    assert (result.clerk_emails, result.resident_emails, result.no_address) == (0, 1, 3)
    assert [c.reference for c in dashboard.overdue_cases(today=today())] == refs(
        overdue_world["late"], overdue_world["waiting"], overdue_world["assessed"]
    )


class RefusesResidents(Inbox):
    """The mail server takes the clerks' messages and refuses, while ``refuse`` is set, any for ming@example.tw."""

    refuse = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook name
        if self.refuse and address == APPLICANT.email:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.django_db
def test_a_refused_message_leaves_only_itself_and_the_rest_for_the_next_run(overdue_world, staff, settings):
    """The clerk's e-mail goes first and is marked sent; the resident's is refused: the run fails, that reminder waits
    and the next run sends it alone (one connection for all the messages of a run)."""
    inbox, port = RefusesResidents(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        overdue_scan(today=today())
        with pytest.raises(SMTPRecipientsRefused):
            overdue_send()
        assert [rcpt for _f, rcpt, _raw in inbox.messages] == [["clerk1@office.example.tw"]]
        w = overdue_world
        assert sorted(notices()) == sorted(
            [
                (w["late"].reference, "requested", "clerk", 1, "sent"),
                (w["waiting"].reference, "delivered", "clerk", 0, "sent"),
                (w["waiting"].reference, "delivered", "resident", 0, ""),
                (w["assessed"].reference, "fee_assessed", "clerk", 0, "no_address"),
            ]
        )
        inbox.refuse = False
        assert overdue_send() == SendResult(clerk_emails=0, resident_emails=1, no_address=0, moved_on=0)
        assert [rcpt for _f, rcpt, _raw in inbox.messages] == [["clerk1@office.example.tw"], ["ming@example.tw"]]
        assert OverdueNotice.objects.filter(done_at__isnull=True).count() == 0
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_on_the_real_worker(overdue_world, staff, smtp, run_worker):
    remind_overdue.defer(timestamp=int(timezone.now().timestamp()))
    run_worker()
    assert sorted(tuple(rcpt) for _f, rcpt, _raw in smtp.messages) == [("clerk1@office.example.tw",), ("ming@example.tw",)]
    assert OverdueNotice.objects.filter(done_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_dashboard_reads(overdue_world, staff):
    w = overdue_world
    # 1號's case was opened in the middle of the week three weeks back (its step due two days later), and waits since.
    last_sunday_ahead = today() + dt.timedelta(days=6 - today().weekday())
    opened = last_sunday_ahead - dt.timedelta(days=14 + 3)
    at = timezone.make_aware(dt.datetime.combine(opened, dt.time(10, 0)))
    Case.objects.filter(pk=w["late"].pk).update(state_since=at)
    CaseStep.objects.filter(case=w["late"]).update(at=at, due_on=opened + dt.timedelta(days=2))
    age = (today() - opened).days
    bucket = next(
        i for i, (first, last) in enumerate(dashboard.AGE_BUCKETS) if age >= first and (last is None or age <= last)
    )
    rows = {row.state: (row.counts, row.total, row.overdue) for row in dashboard.step_ages(today=today())}
    requested = [1, 0, 0, 0, 0]
    requested[bucket] += 1
    assert rows == {
        "requested": (requested, 2, 1),
        "fee_assessed": ([1, 0, 0, 0, 0], 1, 1),
        "paid": ([0, 0, 0, 0, 0], 0, 0),
        "ordered": ([0, 0, 0, 0, 0], 0, 0),
        "delivered": ([1, 0, 0, 0, 0], 1, 1),
        "installed": ([0, 0, 0, 0, 0], 0, 0),
        "collected": ([0, 0, 0, 0, 0], 0, 0),
    }
    overdue = list(dashboard.overdue_cases(today=today()))
    assert [(c.reference, c.days_overdue) for c in overdue] == [
        (w["late"].reference, 10), (w["waiting"].reference, 2), (w["assessed"].reference, 1),
    ]  # fmt: skip
    weeks = dashboard.trend(weeks=4, today=today())
    ends = [last_sunday_ahead - dt.timedelta(weeks=n) for n in (3, 2, 1)] + [today()]
    # (week end, opened, ended, open at the end, overdue at the end) — overdue from the steps' own due dates.
    assert [(x.week_end, x.opened, x.closed, x.open_at_end, x.overdue_at_end) for x in weeks] == [
        (ends[0], 0, 0, 0, 0),
        (ends[1], 1, 0, 1, 1),
        (ends[2], 0, 0, 1, 1),
        (ends[3], 3, 0, 4, 1),
    ]


@pytest.mark.django_db
def test_the_dashboard_page_is_for_reviewers(overdue_world, as_user):
    assert as_user("clerk").get("/reissue/dashboard/").status_code == 403
    page = as_user("reviewer").get("/reissue/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 overdue cases" in html
    for case in (overdue_world["late"], overdue_world["waiting"], overdue_world["assessed"]):
        assert case.reference in html
    assert overdue_world["fine"].reference not in html
