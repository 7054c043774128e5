"""Timing the spreadsheet import of the imports app on a generated 20,000-row cadre workbook.

One iteration = what the board officer waits for: the file is received (read, stored as a batch),
checked (dry run of every row) and committed (all rows written, audited), each step through the
imports services as the views and the worker call them. Everything runs inside a transaction that
is rolled back, so the dataset is the same after the benchmark. The worker's queueing is not part
of the time (the services are called directly, as the Celery task does).
"""

from __future__ import annotations

import datetime
import io
import random
import sys
import time

ROWS = 20_000


def find_service():
    """The imports services, or None (with the reason) while the imports app does not provide them."""
    try:
        from imports import services
        from imports.columns import CADRE_COLUMNS  # noqa: F401
    except ImportError as exc:
        return None, f"imports.services không nạp được ({exc})"
    missing = [name for name in ("batch_receive", "batch_check", "batch_commit") if not hasattr(services, name)]
    if missing:
        return None, "thiếu " + ", ".join(missing)
    return services, ""


def workbook(rows: int = ROWS, seed: int = 11) -> bytes:
    """New cadres (unknown personal ids), each with a current unit named as the registry names it."""
    from django.db import connection
    from openpyxl import Workbook

    from bench.dataset import NATIONAL_FAMILY, NATIONAL_MALE_GIVEN, NATIONAL_MALE_MIDDLE
    from imports.columns import CADRE_COLUMNS

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        # Bodies in force today whose name is unique, so the "Đơn vị công tác" cell needs no parent.
        cursor.execute(
            "SELECT min(name) FROM units_unit WHERE kind <> 'commune' AND valid_to IS NULL "
            "GROUP BY name HAVING count(*) = 1 ORDER BY 1 LIMIT 500"
        )
        units = [row[0] for row in cursor.fetchall()]
    values = {
        "sex": ["Nam", "Nữ"],
        "ethnicity": ["Kinh", "Tày", "Thái", "Mường", "Nùng"],
        "professional_level": ["Đại học", "Thạc sĩ"],
        "political_theory": ["Trung cấp", "Cao cấp"],
        "management_category": ["BTV Tỉnh ủy", "BTV Huyện ủy", ""],
    }
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cán bộ")
    sheet.append([column.header for column in CADRE_COLUMNS])
    families = [name for name, _ in NATIONAL_FAMILY]
    middles = [name for name, _ in NATIONAL_MALE_MIDDLE]
    for n in range(rows):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(20 * 365))
        row = {
            "personal_id": f"NHAP-{n:06d}",
            "full_name": f"{rng.choice(families)} {rng.choice(middles)} {rng.choice(NATIONAL_MALE_GIVEN)}",
            "date_of_birth": born.strftime("%d/%m/%Y"),
            "party_entry_date": (born + datetime.timedelta(days=25 * 365)).strftime("%d/%m/%Y"),
            "professional_field": "Quản lý nhà nước",
            "unit": rng.choice(units),
        }
        for key, choices in values.items():
            row[key] = rng.choice(choices)
        sheet.append([row.get(column.key, "") for column in CADRE_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def calamine_read_ms(data: bytes) -> float:
    """The floor of an import: the same workbook read by calamine alone (the import's reader), every cell."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python(skip_empty_area=False)
    workbook.close()
    return (time.perf_counter() - started) * 1000


def measure(bench, result, services, *, iterations: int):
    from django.db import transaction

    from accounts.models import User
    from imports.models import BatchStatus

    actor = User.objects.get(username="bench_national")
    from imports.columns import CADRE_COLUMNS

    data = workbook()
    result.data_size += f" × {len(CADRE_COLUMNS)} cột"
    result.note = f"tệp {len(data) / 1024 / 1024:.1f} MB"
    steps: dict[str, list[float]] = {"nhận tệp": [], "kiểm tra": [], "ghi vào sổ": []}
    for i in range(iterations):
        with transaction.atomic():
            started = time.perf_counter()
            batch = services.batch_receive(actor=actor, kind="cadres", file_name="can-bo-20000.xlsx", data=data)
            received = time.perf_counter()
            if batch.status != BatchStatus.CHECKED:  # large files are checked by the worker: do its work
                services.batch_check(batch=batch)
            checked = time.perf_counter()
            if not batch.can_commit:
                raise RuntimeError(f"the generated workbook has refused rows: {batch.summary}")
            batch.status = BatchStatus.COMMITTING
            services.batch_commit(batch=batch)
            done = time.perf_counter()
            if batch.status != BatchStatus.COMMITTED:
                raise RuntimeError(f"the import was not committed: {batch.message}")
            transaction.set_rollback(True)  # the dataset stays as generated
        steps["nhận tệp"].append((received - started) * 1000)
        steps["kiểm tra"].append((checked - received) * 1000)
        steps["ghi vào sổ"].append((done - checked) * 1000)
        result.timings_ms.append((done - started) * 1000)
        result.sql_ms.append(0.0)
        if result.floor is not None:
            result.floor.timings_ms.append(calamine_read_ms(data))
        print(f"    import {i + 1}/{iterations}: {(done - started):.1f} s", file=sys.stderr, flush=True)
    split = ", ".join(f"{name} {sorted(values)[len(values) // 2] / 1000:.1f} s" for name, values in steps.items())
    result.note += f"; trung vị: {split}"
    return result
