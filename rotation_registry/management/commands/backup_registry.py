from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rotation_registry.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Sao lưu sổ: cơ sở dữ liệu (pg_dump định dạng custom), thư mục tệp (MEDIA_ROOT) và manifest "
        "(số dòng, mã kiểm tra) vào một thư mục mới registry-<thời điểm>/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="Thư mục chứa các bản sao lưu (mặc định BACKUP_ROOT)."
        )

    def handle(self, *args, output: Path | None, **options):
        try:
            path = backup_create(output_dir=output or Path(settings.BACKUP_ROOT))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Đã sao lưu vào {path}"))
        self.stdout.write(str(path))
