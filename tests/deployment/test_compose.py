"""scripts/check-compose.py: the compose file passes, and the rules it adds catch what they are for."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def check_compose():
    import yaml  # noqa: F401  (requirements-test.txt): without it the script would skip every check

    spec = importlib.util.spec_from_file_location("check_compose", BASE_DIR / "scripts" / "check-compose.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree_with(tmp_path: Path, **replacements: str) -> Path:
    """The project, seen through symbolic links, with some files replaced by the given text."""
    for entry in BASE_DIR.iterdir():
        if entry.name not in replacements and not entry.name.startswith(".git"):
            (tmp_path / entry.name).symlink_to(entry)
    for name, text in replacements.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_compose_file_passes(check_compose, capsys):
    assert check_compose.main() == 0
    assert "look right" in capsys.readouterr().out


def test_a_second_beat_is_refused(check_compose, tmp_path, capsys):
    compose = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    assert "      replicas: 1\n" in compose
    check_compose.BASE_DIR = tree_with(
        tmp_path, **{"docker-compose.yml": compose.replace("replicas: 1", "replicas: 2")}
    )
    assert check_compose.main() == 1
    assert "beat: must run exactly one replica" in capsys.readouterr().out


def test_a_service_without_a_healthcheck_is_refused(check_compose, tmp_path, capsys):
    compose = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    without = compose.replace(
        '    healthcheck:\n      test: ["CMD", "redis-cli", "ping"]', "    x-none:\n      test: []"
    )
    assert without != compose
    check_compose.BASE_DIR = tree_with(tmp_path, **{"docker-compose.yml": without})
    assert check_compose.main() == 1
    assert "redis: no healthcheck" in capsys.readouterr().out


def test_an_undocumented_setting_is_refused(check_compose, tmp_path, capsys):
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    check_compose.BASE_DIR = tree_with(tmp_path, **{".env.example": example.replace("#PG_BIN_DIR=\n", "")})
    assert check_compose.main() == 1
    assert "reads PG_BIN_DIR, which .env.example does not list" in capsys.readouterr().out
