"""Property: a reader polling while writers commit out of order never skips an event (seq N+1 never before N)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connections, transaction

from geo_portal.addresses.plates import Components, plate_create, plate_set_condition
from geo_portal.changes.selectors import channel_state, events_after
from tests.conftest import X0, Y0

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 4
WRITES_EACH = 12


@pytest.mark.parametrize("seed", [1, 2])
def test_polling_reader_sees_every_event_in_order_while_writers_commit_out_of_order(committed, seed):
    plates = [
        plate_create(
            district=committed["district"], components=Components(number=n + 1, road=committed["road"]),
            point=Point(X0 + 10 * n, Y0 + 500, srid=3826), actor="c",
        ).plate
        for n in range(WRITERS)
    ]  # fmt: skip
    start = channel_state().seq
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[tuple[int, int, int]] = []  # (seq, txid, plate id)

    def writer(index: int) -> None:
        rng = random.Random(seed * 100 + index)
        try:
            for version in range(1, WRITES_EACH + 1):
                with transaction.atomic():
                    plate_set_condition(
                        plate_id=plates[index].pk, version=version, condition=rng.choice(["ok", "missing", "damaged"]),
                        checked_on=dt.date(2026, 1, 1), actor=f"w{index}",
                    )  # fmt: skip
                    # Hold the transaction open a random while: commits land in another order than they began.
                    time.sleep(rng.uniform(0, 0.02))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    def reader() -> None:
        cursor = start
        try:
            while True:
                finished = done.is_set()
                page = events_after(after_seq=cursor, limit=3)
                for event in page:
                    assert event.seq == cursor + 1, f"saw seq {event.seq} right after {cursor}"
                    cursor = event.seq
                    seen.append((event.seq, event.txid, event.entity_id))
                if finished and not page:
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    poller = threading.Thread(target=reader)
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    poller.join(60)
    assert errors == []
    total = WRITERS * WRITES_EACH
    assert [s for s, _t, _p in seen] == list(range(start + 1, start + total + 1))
    txids = [t for _s, t, _p in seen]
    assert txids == sorted(txids) and len(set(txids)) == total  # one transaction per write, in commit order
    assert sorted(p for _s, _t, p in seen) == sorted(p.pk for p in plates for _ in range(WRITES_EACH))
