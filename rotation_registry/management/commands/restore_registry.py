from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rotation_registry.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu của backup_registry vào một cơ sở dữ liệu trống, chép lại tệp, "
        "rồi đối chiếu số dòng và mã kiểm tra với manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", type=Path, help="Thư mục registry-<thời điểm>/ của bản sao lưu.")
        parser.add_argument(
            "--database-url", default=None, help="Cơ sở dữ liệu đích (mặc định: cơ sở dữ liệu trong settings)."
        )
        parser.add_argument("--force", action="store_true", help="Ghi đè cả khi cơ sở dữ liệu đích đã có dữ liệu.")
        parser.add_argument("--media-root", type=Path, default=None, help="Nơi chép tệp (mặc định MEDIA_ROOT).")
        parser.add_argument("--no-media", action="store_true", help="Chỉ khôi phục cơ sở dữ liệu.")

    def handle(self, *args, backup_dir: Path, database_url, force, media_root, no_media, **options):
        try:
            report = backup_restore(
                backup_dir=backup_dir,
                database_url=database_url,
                force=force,
                media_root=media_root,
                restore_media=not no_media,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Đã khôi phục vào “{report.database}”: {report.tables} bảng, {report.rows} dòng, {report.media_files} tệp."
        )
        for mismatch in report.mismatches:
            self.stderr.write(
                f"  {mismatch.table}: cần {mismatch.expected_rows} dòng, có {mismatch.actual_rows}"
                + ("" if mismatch.checksum_matches else ", mã kiểm tra khác")
            )
        if not report.migrations_match:
            self.stderr.write("  Trạng thái migration khác với bản sao lưu.")
        if not report.ok:
            raise CommandError("Dữ liệu khôi phục KHÔNG khớp với bản sao lưu (xem các dòng trên).")
        self.stdout.write(self.style.SUCCESS("Số dòng và mã kiểm tra của mọi bảng khớp với bản sao lưu."))
