"""Realistic, deterministic Vietnamese people for the demo (Lạng Sơn: mostly Nùng, Tày and Kinh)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

FAMILY_NAMES = [
    "Hoàng",
    "Nông",
    "Lương",
    "Vi",
    "Lăng",
    "Hà",
    "Lý",
    "Triệu",
    "Đinh",
    "Lộc",
    "Chu",
    "Mông",
    "Nguyễn",
    "Trần",
    "Hứa",
    "Dương",
    "La",
    "Bế",
    "Đàm",
    "Phạm",
    "Vũ",
    "Lâm",
]
MALE_MIDDLE = ["Văn", "Đức", "Minh", "Ngọc", "Quang", "Thanh", "Hữu", "Xuân", "Trung", "Công"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thu", "Thanh", "Hồng", "Bích", "Thị Thu", "Thị Hồng"]
MALE_GIVEN = [
    "Cường",
    "Long",
    "Hưng",
    "Tuấn",
    "Dũng",
    "Hải",
    "Thắng",
    "Khánh",
    "Quân",
    "Sơn",
    "Toàn",
    "Nam",
    "Phong",
    "Huy",
    "Đạt",
    "Lâm",
    "Vượng",
    "Thành",
    "Ánh",
    "Bình",
    "Chiến",
    "Định",
    "Giang",
    "Hiếu",
    "Khải",
    "Lực",
    "Mạnh",
    "Nghĩa",
    "Phúc",
    "Quyết",
    "Tâm",
    "Thịnh",
    "Trọng",
    "Việt",
    "Ước",
]
FEMALE_GIVEN = [
    "Hoa",
    "Lan",
    "Hương",
    "Thảo",
    "Ngọc",
    "Nhung",
    "Huyền",
    "Hạnh",
    "Mai",
    "Thủy",
    "Oanh",
    "Yến",
    "Phương",
    "Trang",
    "Linh",
    "Ánh",
    "Dung",
    "Hằng",
    "Loan",
    "Ơn",
]
ETHNICITIES = [("Nùng", 40), ("Tày", 35), ("Kinh", 20), ("Dao", 3), ("Sán Chay", 2)]
RELIGIONS = [("", 95), ("Phật giáo", 3), ("Công giáo", 2)]
PROFESSIONAL = [("dai_hoc", 68), ("thac_si", 20), ("cao_dang", 6), ("trung_cap", 6)]
POLITICAL = [("trung_cap", 52), ("cao_cap", 40), ("cu_nhan", 5), ("so_cap", 3)]
FIELDS = ["Luật", "Kinh tế", "Quản lý nhà nước", "Nông học", "Sư phạm", "Xây dựng Đảng", "Hành chính", "Kế toán"]


@dataclass
class Person:
    full_name: str
    sex: str
    date_of_birth: datetime.date
    ethnicity: str
    religion: str
    professional_level: str
    professional_field: str
    political_theory: str


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class PeopleGenerator:
    """Same seed, same people: the demo loads identically on every machine."""

    def __init__(self, seed: int = 2017) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def person(self, *, female_share: float = 0.25, born_from: int = 1972, born_to: int = 1988) -> Person:
        rng = self.rng
        female = rng.random() < female_share
        while True:
            middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            name = f"{rng.choice(FAMILY_NAMES)} {middle} {given}"
            if name not in self.used:
                self.used.add(name)
                break
        born = datetime.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
        return Person(
            full_name=name,
            sex="female" if female else "male",
            date_of_birth=born,
            ethnicity=_weighted(rng, ETHNICITIES),
            religion=_weighted(rng, RELIGIONS),
            professional_level=_weighted(rng, PROFESSIONAL),
            professional_field=rng.choice(FIELDS),
            political_theory=_weighted(rng, POLITICAL),
        )
