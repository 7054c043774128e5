"""Runs as stored: reuse, idempotent jobs, pruning, staleness, scope. The job body is called directly here;
tests/statistics_jobs/test_worker.py runs it in a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.scopes import scope_paths
from reports import runs
from reports.models import RunStatus, RunTrigger, StatisticsRun
from reports.runs import (
    compute_run_job,
    current_fingerprint,
    normalise,
    on_registry_changed,
    parameters_key,
    request_recompute,
    schedule_recompute_after_change,
    standard_parameter_sets,
)
from reports.selectors import latest_run, run_get_for_user, runs_for
from reports.statistics.engine import compute
from tests.statistics_jobs.conftest import add_postings, end_of_transaction, province_parameters, queued_messages


@pytest.fixture
def counted(kit):
    """Three postings in 2023, 'committed' as far as the data version goes."""
    add_postings(kit, 3)
    end_of_transaction()
    return kit


def computed(parameters: dict, user) -> StatisticsRun:
    run, _message = request_recompute(parameters, user)
    compute_run_job(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- Parameters and requests ---


def test_equivalent_parameters_share_a_key_and_different_ones_do_not(counted):
    province = counted.world.province
    a = normalise({"unit": str(province.pk), "start": datetime.date(2023, 1, 1), "end": "2023-12-31"})
    b = normalise({"unit": province.pk, "start": "2023-01-01", "end": "2023-12-31", "cutoff": "2023-12-31"})
    c = normalise({"unit": province.pk, "start": "2023-01-01", "end": "2023-12-30"})
    assert parameters_key(a) == parameters_key(b) != parameters_key(c)
    assert len(parameters_key(a)) == 64


def test_a_request_queues_one_run_and_a_second_request_reuses_it(counted, board_officer):
    run, message = request_recompute(province_parameters(counted), board_officer)

    assert run.status == RunStatus.QUEUED
    assert run.trigger == RunTrigger.REQUEST and run.requested_by == board_officer
    assert run.unit == counted.world.province
    assert run.parameters == normalise(province_parameters(counted))
    assert message == "Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút."
    again, message = request_recompute(province_parameters(counted), board_officer)
    assert again == run
    assert message.startswith("Đã có yêu cầu tính lại đang chờ (gửi lúc ")
    assert StatisticsRun.objects.count() == 1
    assert queued_messages() == 1  # one job for both requests


def test_a_request_while_the_run_is_computing_from_the_same_data_reuses_it(counted, board_officer):
    run, _ = request_recompute(province_parameters(counted), board_officer)
    assert runs._claim(run.pk, task_id="")  # a worker took it

    again, message = request_recompute(province_parameters(counted), board_officer)

    assert again == run
    assert message.startswith("Đang tính lại cho các tham số này (bắt đầu lúc ")
    add_postings(counted, 1)
    end_of_transaction()
    newer, message = request_recompute(province_parameters(counted), board_officer)
    assert newer != run and newer.status == RunStatus.QUEUED  # the data changed since it started


def test_a_request_refuses_bad_parameters_and_units_outside_the_scope(counted, office_b, office_a):
    with pytest.raises(ValidationError) as caught:
        request_recompute({"unit": counted.world.province.pk, "start": "2023-12-31", "end": "2023-01-01"}, office_b)
    assert "Ngày kết thúc kỳ" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        request_recompute({**province_parameters(counted), "unit": counted.world.district_a.pk}, office_b)
    assert "ngoài phạm vi" in str(caught.value)
    with pytest.raises(ValidationError):
        request_recompute({**province_parameters(counted), "unit": None}, office_a)  # not the whole registry
    assert not StatisticsRun.objects.exists()


# --- The job ---


def test_the_job_stores_the_engines_results_with_the_data_version(counted, board_officer):
    run = computed(province_parameters(counted), board_officer)

    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.attempts == 1
    assert run.results == compute(run.parameters)
    assert run.results["total"]["value"] == 3
    assert run.fingerprint == current_fingerprint()
    assert run.started_at <= run.finished_at
    assert run.duration_ms is not None and run.duration_ms < 2000  # a province's recompute: at most 2 s
    assert run.error == ""


def test_running_the_job_twice_stores_its_result_once(counted, board_officer):
    run = computed(province_parameters(counted), board_officer)

    assert compute_run_job(run_id=run.pk) is None  # nothing to claim: the run is done
    again = StatisticsRun.objects.get(pk=run.pk)
    assert (again.finished_at, again.attempts, again.results_hash) == (run.finished_at, 1, run.results_hash)
    assert StatisticsRun.objects.count() == 1


def test_a_job_delivered_again_after_its_worker_died_finishes_the_run(counted, board_officer):
    run, _ = request_recompute(province_parameters(counted), board_officer)
    # What a worker killed mid-job leaves behind: the run claimed, nothing stored.
    StatisticsRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1, progress=10)

    compute_run_job(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress) == (RunStatus.DONE, 2, 100)
    assert run.results == compute(run.parameters)


def test_a_job_for_a_run_not_committed_yet_asks_to_be_retried(db):
    with pytest.raises(runs.RunNotCommittedYet):
        compute_run_job(run_id=987654321)


def test_a_failing_computation_marks_the_run_failed_with_its_error(counted, board_officer, monkeypatch):
    def broken(parameters):
        raise RuntimeError("hỏng")

    monkeypatch.setattr("reports.statistics.engine.compute", broken)
    run = computed(province_parameters(counted), board_officer)

    assert run.status == RunStatus.FAILED
    assert run.error == "Gặp lỗi khi tính: hỏng"
    assert run.results is None
    assert compute_run_job(run_id=run.pk) is None  # a failed run is not taken again


# --- Reuse, staleness and history ---


def test_a_request_reuses_the_done_run_while_the_data_is_unchanged(counted, board_officer):
    run = computed(province_parameters(counted), board_officer)

    again, message = request_recompute(province_parameters(counted), board_officer)

    assert again == run
    assert message.startswith("Số liệu đã là mới nhất: tính lúc ")
    assert message.endswith(", dữ liệu chưa thay đổi từ đó.")
    assert StatisticsRun.objects.count() == 1


def test_a_change_makes_the_latest_run_stale_until_it_is_recomputed(counted, board_officer):
    parameters = normalise(province_parameters(counted))
    first = computed(parameters, board_officer)
    assert latest_run(user=board_officer, parameters=parameters) == (first, False)

    add_postings(counted, 1)
    end_of_transaction()

    assert latest_run(user=board_officer, parameters=parameters) == (first, True)
    second = computed(parameters, board_officer)
    assert second != first
    assert second.results["total"]["value"] == 4
    assert latest_run(user=board_officer, parameters=parameters) == (second, False)
    # Both were asked for by a person: history keeps both.
    assert [r.pk for r in runs_for(user=board_officer, parameters=parameters)] == [second.pk, first.pk]


def test_a_system_run_with_identical_results_replaces_the_previous_one(counted, board_officer):
    parameters = normalise(province_parameters(counted))
    (first,) = runs.recompute([parameters], trigger=RunTrigger.NIGHTLY)
    compute_run_job(run_id=first.pk)
    # A change that does not touch these figures (a cadre's other names elsewhere).
    counted.world.province.short_name = "Thử"
    counted.world.province.save()
    end_of_transaction()

    (second,) = runs.recompute([parameters], trigger=RunTrigger.CHANGE)
    compute_run_job(run_id=second.pk)

    assert list(StatisticsRun.objects.values_list("pk", flat=True)) == [second.pk]
    assert latest_run(user=board_officer, parameters=parameters) == (second, False)


def test_recomputing_everything_twice_leaves_the_same_runs(counted, board_officer):
    first = runs.recompute_all_job()
    for run in first:
        compute_run_job(run_id=run.pk)
    stored = sorted(StatisticsRun.objects.values_list("pk", "parameters_key", "fingerprint", "results_hash"))

    second = runs.recompute_all_job()

    assert sorted(r.pk for r in second) == sorted(r.pk for r in first)
    assert sorted(StatisticsRun.objects.values_list("pk", "parameters_key", "fingerprint", "results_hash")) == stored
    assert all(status == RunStatus.DONE for status in StatisticsRun.objects.values_list("status", flat=True))


def test_everything_means_each_term_with_postings_and_this_year_for_the_registry_and_each_province(
    counted, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC))

    sets = standard_parameter_sets()

    periods = sorted({(p["start"], p["end"]) for p in sets})
    assert ("2020-10-01", "2025-09-30") in periods  # the congress term of the 2023 postings
    assert ("2026-01-01", "2026-12-31") in periods  # the current year
    assert ("2015-10-01", "2020-09-30") not in periods  # no postings then
    assert {p["unit"] for p in sets} == {None, counted.world.province.pk}
    assert len(sets) == 2 * len(periods)


def test_runs_lost_in_the_queue_are_failed_and_replaced(counted, board_officer, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC))
    run, _ = request_recompute(province_parameters(counted), board_officer)
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 20, tzinfo=datetime.UTC))

    again, _ = request_recompute(province_parameters(counted), board_officer)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "chờ quá lâu" in run.error
    assert again.status == RunStatus.QUEUED and again != run
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 40, tzinfo=datetime.UTC))
    assert runs.fail_stuck_runs() == 1


# --- Reading ---


def test_latest_run_is_one_query(counted, board_officer, django_assert_num_queries):
    parameters = normalise(province_parameters(counted))
    run = computed(parameters, board_officer)
    key = parameters_key(parameters)
    scope_paths(board_officer)  # read once per request, before any selector

    with django_assert_num_queries(1):  # the run, the data version and "in progress", together
        found, changed = latest_run(user=board_officer, key=key)

    assert (found, changed, found.in_progress) == (run, False, False)


def test_latest_run_says_when_a_recompute_is_under_way(counted, board_officer):
    parameters = normalise(province_parameters(counted))
    computed(parameters, board_officer)
    add_postings(counted, 1)
    end_of_transaction()
    request_recompute(parameters, board_officer)

    found, changed = latest_run(user=board_officer, parameters=parameters)

    assert changed and found.in_progress


def test_runs_are_seen_within_the_scope_only(counted, board_officer, office_a, office_b, admin_user):
    district = {**province_parameters(counted), "unit": counted.world.district_a.pk}
    whole = {**province_parameters(counted), "unit": None}
    district_run = computed(district, board_officer)
    whole_run = computed(whole, board_officer)

    assert latest_run(user=office_a, parameters=normalise(district))[0] == district_run
    assert latest_run(user=office_b, parameters=normalise(district)) == (None, True)
    assert latest_run(user=board_officer, parameters=normalise(whole))[0] == whole_run
    assert latest_run(user=admin_user, parameters=normalise(whole))[0] == whole_run
    assert latest_run(user=admin_user, parameters=normalise(district))[0] == district_run  # and every unit's
    assert latest_run(user=office_a, parameters=normalise(whole)) == (None, True)
    assert run_get_for_user(user=office_a, pk=district_run.pk) == district_run
    with pytest.raises(Http404):
        run_get_for_user(user=office_b, pk=district_run.pk)


# --- After a change ---


def test_a_transaction_of_many_writes_registers_one_callback(kit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        add_postings(kit, 5)

    ours = [c for c in callbacks if c is schedule_recompute_after_change]
    assert len(ours) == 1


def test_a_rolled_back_savepoint_does_not_lose_the_callback(kit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                on_registry_changed()
                raise RuntimeError
        except RuntimeError:
            pass
        on_registry_changed()

    assert [c for c in callbacks if c is schedule_recompute_after_change] == [schedule_recompute_after_change]


@pytest.mark.parametrize("writer", ["cadre", "decision"])
def test_cadre_and_decision_writes_register_the_callback_too(kit, django_capture_on_commit_callbacks, writer):
    from cadres.services import cadre_create
    from postings.services import decision_create

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        if writer == "cadre":
            data = {"full_name": "Lý Thị Mới", "date_of_birth": datetime.date(1985, 3, 2), "sex": "female"}
            cadre_create(actor=kit.officer, data=data)
        else:
            day = datetime.date(2023, 5, 2)
            decision_create(actor=kit.officer, symbol="77-QĐ/TU", date=day, issuing_unit=kit.world.provincial_committee)

    assert callbacks.count(schedule_recompute_after_change) == 1
