"""manage.py generate_dataset --size full|small [--cadres N --postings M] [--seed S] [--force] [--database NAME]

A national dataset for the benchmark (bench/dataset.py does the work; docs/performance.md describes it).
"""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Sinh bộ dữ liệu toàn quốc để đo hiệu năng (63 tỉnh cũ, 34 tỉnh mới, cán bộ, lượt luân chuyển, kế hoạch, "
        "đánh giá, báo cáo quý) vào cơ sở dữ liệu riêng rr_bench / rr_bench_small. Cùng hạt giống, cùng dữ liệu."
    )

    def add_arguments(self, parser):
        from bench.dataset import add_arguments

        add_arguments(parser)

    def handle(self, *args, size, cadres, postings, seed, force, database, **options):
        # A child process: the generator drops, creates and migrates its own database and starts Django on it
        # with the bench settings, which this process (already started on the application's database) cannot.
        command = [sys.executable, "-m", "bench.dataset", "--size", size, "--seed", str(seed)]
        for flag, value in (("--cadres", cadres), ("--postings", postings), ("--database", database)):
            if value:
                command += [flag, str(value)]
        if force:
            command.append("--force")
        completed = subprocess.run(command, cwd=settings.BASE_DIR, check=False)
        if completed.returncode != 0:
            raise CommandError(f"Sinh dữ liệu không thành công (mã thoát {completed.returncode}).")
