"""PostgreSQL restarted (pg_ctl restart -m fast) while users read pages and add cadres.

gunicorn is not restarted: its workers keep their connections between requests (CONN_MAX_AGE), find
them dead after the restart, and reconnect because Django checks a reused connection before the
request uses it (CONN_HEALTH_CHECKS: without it, a worker's first request after the restart fails).
A request in flight during the restart may fail; every write is all or nothing
(ATOMIC_REQUESTS: the cadre, its audit event and its audit context commit together or not at all).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from tests.faults.conftest import LIST_PAGES

NAME_PREFIX = "Khởi Động Lại"


@dataclass
class Outcome:
    started: float
    status: int | str  # an HTTP status, or the exception's class name when no answer came
    name: str = ""


@dataclass
class Load:
    """Threads that keep requesting until told to stop, noting every outcome."""

    stop: threading.Event = field(default_factory=threading.Event)
    reads: list[Outcome] = field(default_factory=list)
    writes: list[Outcome] = field(default_factory=list)

    def read(self, browser) -> None:
        number = 0
        while not self.stop.is_set():
            path = LIST_PAGES[number % len(LIST_PAGES)]
            number += 1
            started = time.monotonic()
            try:
                self.reads.append(Outcome(started, browser.get(path).status))
            except OSError as error:
                self.reads.append(Outcome(started, type(error).__name__))

    def write(self, browser, form_page, form) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            name = f"{NAME_PREFIX} Số {number:03d}"
            started = time.monotonic()
            try:
                answer = browser.submit(form_page, form, {"full_name": name, "personal_id": "", "reason": "Thử"})
                self.writes.append(Outcome(started, answer.status, name))
            except OSError as error:
                self.writes.append(Outcome(started, type(error).__name__, name))
            time.sleep(0.05)


def test_after_a_restart_under_load_requests_succeed_without_restarting_the_app_and_no_write_is_half_done(faults):
    stack, postgres = faults.stack, faults.postgres
    reader, writer = faults.browser(), faults.browser("demo_admin", client_ip="198.51.100.11")
    # The "add a cadre" form filled as a copy of a demo cadre (another name, no personal id).
    template = stack.scalar("SELECT id FROM cadres_cadre ORDER BY id LIMIT 1")
    edit = writer.get(f"/cadres/{template}/edit/")
    assert edit.status == 200, edit.status
    form = edit.form("full_name")
    form.fields.pop("version", None)
    create_page = writer.get("/cadres/new/")
    form.fields["csrfmiddlewaretoken"] = create_page.form("full_name").fields["csrfmiddlewaretoken"]
    form.action = "/cadres/new/"
    gunicorn_processes = sorted(stack.web.children())

    load = Load()
    threads = [
        threading.Thread(target=load.read, args=(reader,)),
        threading.Thread(target=load.write, args=(writer, create_page, form)),
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        restart_began = time.monotonic()
        postgres.restart()
        restarted = time.monotonic()
        time.sleep(3)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    # Load ran before and after the restart, and writes went through before it.
    assert any(o.status == 200 for o in load.reads if o.started < restart_began)
    assert any(o.status == 302 for o in load.writes if o.started < restart_began), load.writes[:5]
    # Everything asked after the restart succeeded: the same gunicorn workers reconnected on their own.
    after = [o for o in load.reads if o.started > restarted + 0.2]
    assert len(after) >= 5 and all(o.status == 200 for o in after), [o.status for o in after]
    late_writes = [o for o in load.writes if o.started > restarted + 0.2]
    assert late_writes and all(o.status == 302 for o in late_writes), [o.status for o in late_writes]
    assert sorted(stack.web.children()) == gunicorn_processes

    # All or nothing: every cadre saved has exactly one audit event, and no event lacks its cadre.
    rows = stack.query(
        """SELECT c.full_name, count(e.pgh_id)
             FROM cadres_cadre c LEFT JOIN cadres_cadreevent e ON e.pgh_obj_id = c.id AND e.pgh_label = 'insert'
            WHERE c.full_name LIKE %s GROUP BY c.full_name""",
        [NAME_PREFIX + "%"],
    )
    saved = dict(rows)
    assert all(count == 1 for count in saved.values()), saved
    orphans = stack.scalar(
        """SELECT count(*) FROM cadres_cadreevent e
            WHERE e.full_name LIKE %s AND NOT EXISTS (SELECT 1 FROM cadres_cadre c WHERE c.id = e.pgh_obj_id)""",
        [NAME_PREFIX + "%"],
    )
    assert orphans == 0
    # A "saved" answer means saved; a write refused during the restart left nothing behind it but whole rows.
    confirmed = {o.name for o in load.writes if o.status == 302}
    assert confirmed <= set(saved), confirmed - set(saved)
    refused = {o.name for o in load.writes if o.status != 302}
    assert set(saved) <= confirmed | refused


def test_the_first_requests_after_a_restart_of_an_idle_app_succeed(faults):
    """Under load the dead connections are found by requests during the restart, which fail; an idle worker
    finds its connection dead only on the next request, and the health check makes that request succeed."""
    stack, postgres = faults.stack, faults.postgres
    browser = faults.browser()
    for path in LIST_PAGES * 3:  # every gunicorn worker holds a connection now (CONN_MAX_AGE)
        assert browser.get(path).status == 200
    gunicorn_processes = sorted(stack.web.children())

    postgres.restart()

    statuses = [browser.get(path).status for path in LIST_PAGES * 2]
    assert statuses == [200] * len(statuses), statuses
    assert sorted(stack.web.children()) == gunicorn_processes
