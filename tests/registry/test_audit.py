"""The supervisor's flags over the access log (bursts, off-hours reads) and a person's list of reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from geo_portal.registry.audit import Flag, reads_of_person, unusual_reading
from geo_portal.registry.models import AccessLog

TPE = ZoneInfo("Asia/Taipei")


def log(user, person, at: dt.datetime) -> AccessLog:
    return AccessLog.objects.create(
        at=at,
        user=user,
        username=user.get_username(),
        purpose="registration",
        person=person,
        fields=["name"],
        selector="residents_on",
        endpoint="/registry/plates/1",
        request_id="r",
    )


def test_bursts_and_off_hours_reads_are_flagged(world, staff):
    people = list(world["people"].values())  # 3 persons
    monday = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TPE)
    for i, p in enumerate(people):  # ann: 3 persons within 2 minutes — a burst at a threshold of 3
        log(staff["ann"], p, monday + dt.timedelta(minutes=i))
    log(staff["ann"], people[0], monday + dt.timedelta(minutes=4))  # inside the same burst
    for i, p in enumerate(people):  # bob: 3 persons, 20 minutes apart — no burst
        log(staff["bob"], p, monday + dt.timedelta(minutes=20 * i))
    log(staff["bob"], people[1], dt.datetime(2026, 3, 2, 19, 30, tzinfo=TPE))  # Monday evening
    log(staff["ann"], people[2], dt.datetime(2026, 3, 7, 11, 0, tzinfo=TPE))  # Saturday
    log(staff["ann"], people[2], dt.datetime(2026, 3, 2, 7, 59, tzinfo=TPE))  # before 8
    flags = unusual_reading(
        start=dt.datetime(2026, 3, 2, tzinfo=TPE),
        end=dt.datetime(2026, 3, 9, tzinfo=TPE),
        burst_persons=3,
        burst_window=dt.timedelta(minutes=10),
    )
    assert [(f.kind, f.username, f.at.astimezone(TPE).strftime("%a %H:%M"), f.persons) for f in flags] == [
        ("burst", "ann", "Mon 10:00", 3),
        ("off_hours", "ann", "Mon 07:59", 1),
        ("off_hours", "bob", "Mon 19:30", 1),
        ("off_hours", "ann", "Sat 11:00", 1),
    ]
    assert all(isinstance(f, Flag) for f in flags)


def test_a_person_sees_every_read_of_their_data_newest_first(world, staff):
    person = world["people"]["陳小明"]
    before = list(AccessLog.objects.filter(person=person).values_list("pk", flat=True))
    first = log(staff["bob"], person, dt.datetime(2026, 3, 2, 9, 0, tzinfo=TPE))
    second = log(staff["ann"], person, dt.datetime(2026, 3, 3, 9, 0, tzinfo=TPE))
    log(staff["ann"], world["people"]["林美玲"], dt.datetime(2026, 3, 4, 9, 0, tzinfo=TPE))
    reads = reads_of_person(person.pk)
    assert [r.pk for r in reads if r.pk not in before] == [second.pk, first.pk]
    assert [(r.username, r.purpose, r.fields) for r in reads[:2]] == [("ann", "registration", ["name"])] + [
        ("bob", "registration", ["name"])
    ]
