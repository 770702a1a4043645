#!/usr/bin/env bash
# A newcomer's first command: install, create the database and admin, load demo data once,
# then serve on http://127.0.0.1:8000 (SQLite under ./.lealtad unless LEALTAD_* says otherwise).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install.sh
.venv/bin/lealtad init                                  # migrates; prints the admin login
.venv/bin/lealtad demo --if-empty --customers 2000 --seed 7   # no-op when customers exist
.venv/bin/lealtad analytics refresh --if-stale          # tiers, CLV, churn, cube: once a day
# --demo-center: a simulated contact center rings calls all day (log in as agente1)
exec .venv/bin/lealtad serve --host 127.0.0.1 --port 8000 --demo-center
