#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter that can create a venv, or fails clearly.
#
# The machine's default `python3` may be 3.11 (pip would then pick Django 5.2), so the
# interpreter is chosen explicitly, in this order:
#   1. $PYTHON, if set (an explicit choice must work, or we stop)
#   2. `PYENV_VERSION=3.12.1 python3.12` (pyenv's shim answers only with the version set)
#   3. pyenv's own 3.12.x binaries: $PYENV_ROOT, ~/.pyenv, /root/.pyenv
#   4. python3.13 (plain, then pyenv's 3.13.x binaries)
#   5. python3.12 (plain, e.g. a distribution package)
#   6. python3, only if it is >= 3.12
set -uo pipefail

# Prints sys.executable (the real binary, not a shim) when the version is right and
# `python -m venv` can bootstrap pip (Debian splits ensurepip into pythonX.Y-venv).
probe() {
    "$@" -c 'import sys, ensurepip, venv
sys.exit(1) if sys.version_info < (3, 12) else print(sys.executable)' 2>/dev/null
}

found() {
    local out
    out=$(probe "$@") && [ -n "$out" ] && { echo "$out"; exit 0; }
    return 0
}

if [ -n "${PYTHON:-}" ]; then
    found "$PYTHON"
    echo "find-python: PYTHON=$PYTHON is not a Python >= 3.12 with venv/ensurepip." >&2
    exit 1
fi

pyenv_roots=()
for root in "${PYENV_ROOT:-}" "${HOME:-/root}/.pyenv" /root/.pyenv; do
    [ -n "$root" ] && [ -d "$root/versions" ] && pyenv_roots+=("$root")
done

found env PYENV_VERSION=3.12.1 python3.12
for root in "${pyenv_roots[@]}"; do
    for p in "$root"/versions/3.12*/bin/python3.12; do
        [ -x "$p" ] && found "$p"
    done
done
found python3.13
for root in "${pyenv_roots[@]}"; do
    for p in "$root"/versions/3.13*/bin/python3.13; do
        [ -x "$p" ] && found "$p"
    done
done
found python3.12
found python3

cat >&2 <<'MSG'
find-python: no Python >= 3.12 found (this project needs Django 6, which needs Python 3.12+).
  Tried: $PYTHON, PYENV_VERSION=3.12.1 python3.12, ~/.pyenv/versions/3.12*/bin/python3.12,
         python3.13, python3.12, python3 (the default python3 is too old or missing).
  Fix: install one (e.g. `pyenv install 3.12`, or apt-get install python3.12 python3.12-venv
       where the distribution has it), or point PYTHON=/path/to/python3.12 at one.
MSG
exit 1
