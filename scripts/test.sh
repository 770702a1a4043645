#!/usr/bin/env bash
# The test command (README and .ci/run call it): lint, type-check, check migrations, then run
# pytest on SQLite and on a throwaway PostgreSQL server this script starts and stops itself.
#
#   bash scripts/test.sh [pytest args...]      # extra args go to both pytest runs
#   LEALTAD_TEST_DB=sqlite|postgres|both       # which database(s) pytest runs on (default both)
#   LEALTAD_TEST_SIDE_BY_SIDE=1                # both databases at once (not faster on 2 cores)
# With both, the PostgreSQL run leaves out the tests that reach no database (tests/conftest.py).
#
# Setup and install stop the run at once; every check after that runs even when an earlier one
# failed, so one run shows every problem, and the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_PORT_FIRST=55432
WORK=""          # temp root for everything this run creates; removed on exit
PG_DATA=""       # set once the PostgreSQL data directory exists, so cleanup knows to stop it
FAILED=()

stage() { printf '\n\033[1m==== %s ====\033[0m\n' "$*"; }

# Run one check; remember its name when it fails instead of stopping the script.
check() {
    local name=$1
    shift
    stage "$name"
    if "$@"; then
        echo "---- $name: ok"
    else
        echo "---- $name: FAILED (exit $?)"
        FAILED+=("$name")
    fi
}

cleanup() {
    local rc=$?
    if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true
    fi
    [[ -n $WORK ]] && rm -rf "$WORK"
    return "$rc"
}

make_work_dir() {
    WORK=$(mktemp -d /tmp/lealtad-test.XXXXXX)
    chmod 755 "$WORK"   # postgres must be able to reach its data dir inside
}

# ---- PostgreSQL -------------------------------------------------------------------------

# The server refuses to run as root; as root we drop to the `postgres` OS user.
as_postgres() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")   # cd /: postgres may not read the cwd
    else
        "$@"
    fi
}

find_pg_bin() {
    # Debian keeps initdb/pg_ctl off PATH, under /usr/lib/postgresql/<version>/bin.
    PG_BIN=${PG_BIN:-$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n1)}
    [[ -x $PG_BIN/initdb ]] || { echo "no PostgreSQL server binaries (run setup-system.sh)" >&2; return 1; }
}

free_port() {
    python3 - "$PG_PORT_FIRST" <<'PY'
import socket, sys
first = int(sys.argv[1])
for port in range(first, first + 100):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit("no free port near %d" % first)
PY
}

# Start a fresh, non-durable (fast) server; sets PG_PORT and exports LEALTAD_DATABASE_URL.
# Every step checks its own status: `set -e` does not apply inside a function run by check().
start_postgres() {
    find_pg_bin || return 1
    PG_PORT=$(free_port) || return 1
    local sock=$WORK/pg-socket opts
    mkdir -m 700 "$WORK/pg-data" && mkdir -m 755 "$sock" || return 1
    if ((EUID == 0)); then chown postgres:postgres "$WORK/pg-data" "$sock" || return 1; fi
    PG_DATA=$WORK/pg-data
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
        >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; return 1; }
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
    opts="-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"   # test data only
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$sock/server.log" -o "$opts" -w start \
        >/dev/null || { cat "$sock/server.log" >&2; return 1; }
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres lealtad || return 1
    export LEALTAD_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/lealtad"
}

# ---- pytest runs ------------------------------------------------------------------------

pytest_sqlite() {
    # A fresh LEALTAD_HOME: no secret key, database or media left over from a developer's run.
    mkdir "$WORK/home-sqlite" || return 1
    # Unset: beside the PostgreSQL run, this shell has the server's URL exported.
    env -u LEALTAD_DATABASE_URL LEALTAD_HOME="$WORK/home-sqlite" \
        .venv/bin/python -m pytest --durations=15 "$@"
}

pytest_postgres() {
    [[ -n $PG_DATA ]] || start_postgres || return 1
    mkdir "$WORK/home-postgres" || return 1
    # After a SQLite run, only the tests that reach a database run again (tests/conftest.py):
    # the rest, a third of the suite, cannot touch one and gave their answer already.
    local again=0
    [[ ${LEALTAD_TEST_DB:-both} == both ]] && again=1
    LEALTAD_TEST_DATABASE_ONLY=$again LEALTAD_HOME="$WORK/home-postgres" \
        .venv/bin/python -m pytest --durations=15 "$@"
}

# Both databases at once (LEALTAD_TEST_SIDE_BY_SIDE=1), for machines with cores to spare: on
# two cores it took as long as one run after the other (57 min against 56-78), and the load
# made timing-bound tests less steady, so it is not the default. Each run writes its own log,
# printed whole when both are done; the server is started here, in the script's own shell, so
# cleanup stops it.
pytest_side_by_side() {
    check "PostgreSQL server" start_postgres
    [[ -n $PG_DATA ]] || { FAILED+=("pytest on PostgreSQL"); return; }
    stage "pytest on SQLite and on PostgreSQL, side by side (logs follow when both end)"
    (pytest_sqlite "$@" >"$WORK/sqlite.log" 2>&1 && echo 0 >"$WORK/sqlite.rc" || echo $? >"$WORK/sqlite.rc") &
    (pytest_postgres "$@" >"$WORK/postgres.log" 2>&1 && echo 0 >"$WORK/postgres.rc" || echo $? >"$WORK/postgres.rc") &
    wait
    report_log "pytest on SQLite" sqlite
    report_log "pytest on PostgreSQL" postgres
}

report_log() {
    local name=$1 rc
    stage "$name"
    cat "$WORK/$2.log"
    rc=$(cat "$WORK/$2.rc" 2>/dev/null || echo 1)
    if ((rc == 0)); then echo "---- $name: ok"; else echo "---- $name: FAILED (exit $rc)"; FAILED+=("$name"); fi
}

makemigrations_check() {
    mkdir "$WORK/home-migrations" || return 1
    DJANGO_SETTINGS_MODULE=lealtad.settings LEALTAD_HOME="$WORK/home-migrations" \
        .venv/bin/python -m django makemigrations --check --dry-run
}

main() {
    local db=${LEALTAD_TEST_DB:-both}
    case $db in
        sqlite | postgres | both) ;;
        *) echo "LEALTAD_TEST_DB must be sqlite, postgres or both (got '$db')" >&2; exit 2 ;;
    esac

    stage "system packages"
    bash scripts/setup-system.sh
    stage "python environment"
    bash scripts/install.sh

    trap cleanup EXIT
    trap 'exit 130' INT TERM   # make Ctrl-C go through cleanup too
    make_work_dir

    # Hermetic runs: no LEALTAD_* setting from the developer's shell (a database URL, a
    # language) leaks in, and nothing writes to ./.lealtad (mypy's Django plugin loads settings).
    local var
    for var in "${!LEALTAD_@}"; do
        [[ $var == LEALTAD_TEST_* ]] || unset "$var"
    done
    export LEALTAD_HOME=$WORK/home-tools

    check "ruff check" .venv/bin/ruff check src tests benchmarks
    check "ruff format" .venv/bin/ruff format --check src tests benchmarks
    check "mypy" .venv/bin/mypy src
    check "import contracts" .venv/bin/lint-imports --no-cache
    check "migrations up to date" makemigrations_check
    if [[ $db == both && ${LEALTAD_TEST_SIDE_BY_SIDE:-0} == 1 ]]; then
        pytest_side_by_side "$@"
    else
        [[ $db == postgres ]] || check "pytest on SQLite" pytest_sqlite "$@"
        [[ $db == sqlite ]] || check "pytest on PostgreSQL" pytest_postgres "$@"
    fi

    if ((${#FAILED[@]})); then
        local list
        printf -v list '%s, ' "${FAILED[@]}"
        stage "FAILED: ${list%, }"
        exit 1
    fi
    stage "all checks passed"
}

# Run only when executed, so the functions can be sourced and tried one at a time.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
