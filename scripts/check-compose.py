#!/usr/bin/env python3
"""Static checks of docker-compose.yml and Dockerfile (no Docker engine runs here).

YAML syntax and shape (services, their images/builds, a healthcheck on every service, exactly
one beat, declared volumes, ${VAR} interpolation names), that every variable the settings read
is documented in .env.example, that every COPY source in the Dockerfile exists and every local
Django app is copied, and that the entrypoint script will be executable in the image.
Exit 1 with the problems listed, else 0.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    try:
        import yaml
    except ImportError:
        print("check-compose: PyYAML is not installed (pip install pyyaml); skipped.")
        return 0

    problems: list[str] = []
    compose_text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(compose_text)  # raises on a syntax error; merges <<: anchors
    services = compose.get("services", {})
    for name in ("db", "redis", "web", "worker", "beat"):
        if name not in services:
            problems.append(f"service {name!r} is missing")
    for name, service in services.items():
        test = (service.get("healthcheck") or {}).get("test")
        if not test or test == ["NONE"] or (service.get("healthcheck") or {}).get("disable"):
            problems.append(f"{name}: no healthcheck")
    if "/healthz" not in str((services.get("web", {}).get("healthcheck") or {}).get("test")):
        problems.append("web: the healthcheck does not ask /healthz")
    # Two schedulers would send every scheduled job twice.
    beat = services.get("beat", {})
    replicas = (beat.get("deploy") or {}).get("replicas", 1)
    if replicas != 1 or beat.get("scale", 1) != 1:
        problems.append(f"beat: must run exactly one replica, not {replicas if replicas != 1 else beat.get('scale')}")
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        if not (service.get("image") or service.get("build")):
            problems.append(f"{name}: neither image nor build")
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in declared:
                problems.append(f"{name}: volume {source!r} is not declared at the top level")
        for dependency in service.get("depends_on", {}):
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency!r}")
            elif "healthcheck" not in services[dependency]:
                problems.append(f"{name}: waits for {dependency!r}, which has no healthcheck")
    for app in ("web", "worker", "beat"):
        environment = services.get(app, {}).get("environment", {})
        if environment.get("DJANGO_SETTINGS_MODULE") != "rotation_registry.settings.production":
            problems.append(f"{app}: not on the production settings")
    if services.get("db", {}).get("image", "").split(":")[-1] != "15":
        problems.append("db: expected postgres:15")

    # Variables compose interpolates must be documented in .env.example.
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    for var in sorted(set(re.findall(r"\$\{([A-Z_]+)", compose_text))):
        if not re.search(rf"^#?\s*{var}=", example, re.MULTILINE):
            problems.append(f"${{{var}}} is used in docker-compose.yml but not listed in .env.example")

    # Variables the settings read must be documented in .env.example too.
    for module in ("base.py", "production.py"):
        source = (BASE_DIR / "rotation_registry" / "settings" / module).read_text(encoding="utf-8")
        for var in sorted(set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z_][A-Z0-9_]*)\"", source))):
            if not re.search(rf"^#?\s*{var}=", example, re.MULTILINE):
                problems.append(f"settings/{module} reads {var}, which .env.example does not list")

    copied: set[str] = set()
    for line in (BASE_DIR / "Dockerfile").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            for source in parts[1:-1]:
                copied.add(source.rstrip("/"))
                if not source.startswith("--") and not (BASE_DIR / source).exists():
                    problems.append(f"Dockerfile: COPY source {source!r} does not exist")
    # Every top-level package with an apps.py (a Django app) and the translations must be in the image.
    needed = {path.parent.name for path in BASE_DIR.glob("*/apps.py")} | {"locale"}
    for missing in sorted(needed - copied):
        problems.append(f"Dockerfile: {missing}/ is not copied into the image")
    entrypoint = BASE_DIR / "scripts" / "docker-entrypoint.sh"
    dockerfile = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8")
    if not os.access(entrypoint, os.X_OK) and "--chmod=0755 scripts/docker-entrypoint.sh" not in dockerfile:
        problems.append("scripts/docker-entrypoint.sh is neither executable nor copied with --chmod=0755")

    for problem in problems:
        print(f"check-compose: {problem}")
    if not problems:
        print(f"check-compose: docker-compose.yml ({', '.join(services)}) and Dockerfile look right.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
