#!/usr/bin/env bash
# Create .venv (Python 3.11) if missing and install Lealtad editable with its test extras;
# install the test tools from npm (axe-core, package-lock.json) into node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm: only the accessibility test's axe-core; skipped when the lock has not changed.
npm_stamp=node_modules/.lealtad-installed
npm_want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $npm_stamp || $(<"$npm_stamp") != "$npm_want" ]]; then
    if command -v npm >/dev/null; then
        echo "install: npm ci (axe-core for the accessibility tests)"
        npm ci --no-audit --no-fund --loglevel=error
        echo "$npm_want" >"$npm_stamp"
    else
        echo "install: npm is missing (run scripts/setup-system.sh); the accessibility tests will fail" >&2
    fi
fi

if [[ ! -x .venv/bin/python ]]; then
    python=$(command -v python3.11 || command -v python3)
    if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        echo "install: Lealtad needs Python 3.11; $python is $("$python" --version 2>&1)" >&2
        exit 1
    fi
    echo "install: creating .venv with $python"
    "$python" -m venv .venv
fi

# Skip pip when pyproject.toml has not changed since the last successful install (the package
# is editable, so source changes need no reinstall); this keeps start.sh and test.sh quick.
stamp=.venv/.lealtad-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ -f $stamp && $(<"$stamp") == "$want" ]] && .venv/bin/python -c 'import lealtad' 2>/dev/null; then
    echo "install: .venv is up to date"
    exit 0
fi

echo "install: pip install -e '.[test]'"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# -q hides progress; errors still print.
.venv/bin/python -m pip install -q -e ".[test]"
echo "$want" >"$stamp"
