#!/usr/bin/env bash
# Install the system packages Lealtad's tests need: a PostgreSQL server (the second CI
# database), Chromium (browser tests through Playwright), gettext (msgfmt compiles the
# Spanish/English message catalogs), redis-server (the outbox relay to Redis Streams is
# tested against a real server the tests start themselves) and espeak-ng (the IVR renders its
# prompts to audio offline) and dovecot-imapd (the service desk's IMAP polling is tested
# against a Dovecot the tests start) and Node.js with npm (axe-core, the accessibility checker the
# browser tests run, comes from the npm registry). Idempotent: when everything is
# present, apt is skipped.
set -euo pipefail

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v msgfmt >/dev/null || missing+=(gettext)
[[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
[[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-imapd)
command -v npm >/dev/null || missing+=(nodejs npm)

if ((${#missing[@]} == 0)); then
    echo "setup-system: postgresql, chromium, gettext, redis-server, espeak-ng, dovecot-imapd and npm already installed"
    exit 0
fi

# apt needs root: use sudo when we are not root and it is there, otherwise say what to do.
if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "setup-system: missing system packages: ${missing[*]}" >&2
    echo "setup-system: run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
# Install them all, not only the missing ones: apt skips what is already there. Node.js only
# when npm is missing: a Node.js from elsewhere (NodeSource) conflicts with Debian's npm.
node=()
command -v npm >/dev/null || node=(nodejs npm)
"${as_root[@]}" apt-get install -y --no-install-recommends postgresql chromium gettext redis-server \
    espeak-ng dovecot-imapd "${node[@]}"
