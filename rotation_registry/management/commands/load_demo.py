from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rotation_registry.demo import reporting
from rotation_registry.demo.plan import load_demo_plan
from rotation_registry.demo.province import DemoAlreadyLoaded, load_demo
from units.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Nạp tỉnh mẫu Lạng Sơn (người và các lượt luân chuyển trong bài báo nguồn), chỉ một lần."

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except DemoAlreadyLoaded as exc:
            self.stdout.write(str(exc))
            self._load_plan()  # a demo loaded before the plan existed gets it now (idempotent)
            return
        except (ReferenceDataError, ValidationError) as exc:
            raise CommandError(f"Không nạp được dữ liệu mẫu: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp tỉnh mẫu Lạng Sơn: {result.cadres} cán bộ, {result.decisions} quyết định, "
                f"{result.postings} lượt bố trí, {result.evaluations} kết quả đánh giá. "
                f"Tài khoản (mật khẩu rotation-demo): {', '.join(result.users)}."
            )
        )
        self._load_plan()

    def _load_plan(self):
        try:
            plan, created = load_demo_plan()
        except ValidationError as exc:
            raise CommandError(f"Không nạp được kế hoạch mẫu: {exc}") from exc
        if created:
            self.stdout.write(self.style.SUCCESS(f"Đã nạp {plan} ngày 23/8/2017 ({plan.entries.count()} cán bộ)."))
        reporting.load_and_say(self.stdout)  # quarterly reporting periods and reports (idempotent)
