"""Two plans saved at the same moment, on two database connections, never get the same number.

Each thread has its own connection (Django gives one per thread), so the two transactions really
overlap: both read the register, then both insert. A delay between reading the highest number and
saving the plan makes the overlap certain. With the register lock, the second waits for the first
and takes the next number; without it (the control), both take the same number and one is refused
by the unique constraint — which shows the test would catch a missing lock.

The tests are transactional (the threads must see committed rows); `restore_catalogues` refills the
catalogue tables the migrations filled (terms, titles, rule sets) after the flush that ends them, as
tests/statistics_jobs does.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from plans import services
from plans.models import Plan
from tests.plans.conftest import plan_data


def save_two_plans_at_once(world, actor) -> tuple[list[str], list[str]]:
    barrier = threading.Barrier(2)
    symbols: list[str] = []
    refusals: list[str] = []

    def save() -> None:
        try:
            barrier.wait(timeout=10)
            plan = services.plan_create(actor=actor, data=plan_data(world))
            symbols.append(plan.symbol)
        except ValidationError as exc:
            refusals.append(" ".join(exc.messages))
        except Exception as exc:  # noqa: BLE001 - reported below
            refusals.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(symbols), refusals


@pytest.fixture
def slow_register(monkeypatch):
    """Widen the race: a pause between reading the highest number and saving the plan."""
    original = services.next_free_number

    def slow(**kwargs):
        number = original(**kwargs)
        time.sleep(0.3)
        return number

    monkeypatch.setattr(services, "next_free_number", slow)


def test_two_connections_saving_at_once_get_consecutive_numbers(
    restore_catalogues, transactional_db, world, board_officer, congress_terms, slow_register
):
    symbols, refusals = save_two_plans_at_once(world, board_officer)
    assert refusals == []
    assert symbols == ["01-KH/TU", "02-KH/TU"]
    assert Plan.objects.count() == 2


def test_without_the_register_lock_the_same_number_is_taken_twice(
    restore_catalogues, transactional_db, world, board_officer, congress_terms, slow_register, monkeypatch
):
    monkeypatch.setattr(services, "lock_register", lambda **kwargs: None)
    symbols, refusals = save_two_plans_at_once(world, board_officer)
    # The database constraint still refuses the duplicate: one plan, one refusal in Vietnamese.
    assert symbols == ["01-KH/TU"]
    assert refusals == ["Số, ký hiệu này đã được dùng cho văn bản khác của cùng cơ quan trong nhiệm kỳ."]
