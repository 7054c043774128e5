#!/usr/bin/env bash
# Creates .venv (Python >= 3.12, chosen by scripts/find-python.sh) if it is missing, and
# installs requirements-test.txt only when the requirements changed since the last install
# (a stamp file in .venv records a hash of the requirement files and the Python version).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
REQUIREMENTS=${REQUIREMENTS:-requirements-test.txt}
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
    py=$(bash scripts/find-python.sh)
    echo "==> Creating $VENV with $py ($("$py" -V 2>&1))"
    "$py" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    echo "ensure-venv: $VENV uses $("$VENV/bin/python" -V 2>&1 || echo 'a broken Python'); this project needs >= 3.12." >&2
    echo "             Remove it (rm -rf $VENV) and run the command again." >&2
    exit 1
fi

# requirements-test.txt includes requirements.txt (-r), so both are hashed.
want="$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -d' ' -f1) $REQUIREMENTS py$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
stamp="$VENV/.requirements-stamp"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> Installing $REQUIREMENTS into $VENV"
    "$VENV/bin/python" -m pip install --quiet --progress-bar off -r "$REQUIREMENTS"
    echo "$want" > "$stamp"
fi
