#!/usr/bin/env bash
# make demo: start the sandbox, run one migration wave on the example inventory, print the report, stop.
# Needs what scripts/install-deps.sh installs (the Makefile runs it first).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
VENV=${VENV:-.venv}
PY="$REPO/$VENV/bin/python"

SANDBOX=$(mktemp -d /tmp/mailwave-demo-XXXXXX)
LOG="$SANDBOX/sandbox.log"
sandbox_pid=
# shellcheck disable=SC2317  # called by the trap
stop_sandbox() {
  if [ -n "$sandbox_pid" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
    kill -TERM "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
}
trap stop_sandbox EXIT INT TERM

echo "== Starting the sandbox in $SANDBOX (source IMAP, DAV and ManageSieve servers, Mailcow emulator + Dovecot + SOGo, BIND)"
"$PY" -m sandbox run "$SANDBOX" >"$LOG" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 120); do
  grep -q '^READY' "$LOG" 2>/dev/null && break
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then echo "The sandbox did not start:" >&2; cat "$LOG" >&2; exit 1; fi
  sleep 0.5
done
grep -q '^READY' "$LOG" || { echo "The sandbox did not start in 60 s:" >&2; cat "$LOG" >&2; exit 1; }

COLLECTIONS=$("$PY" -c 'from tests.lib.collection import ensure_collection_link; print(ensure_collection_link())')
play_book() {
  local book=$1; shift
  (cd examples && MAILWAVE_SANDBOX="$SANDBOX" ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
    PATH="$REPO/$VENV/bin:$PATH" ansible-playbook "mailwave.migrate.$book" -i inventory.yml "$@")
}
play() { play_book wave "$@"; }
echo "== Days before: ansible-playbook mailwave.migrate.wave -i examples/inventory.yml --tags announce"
set +e
play --tags announce
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "== Running: ansible-playbook mailwave.migrate.wave -i examples/inventory.yml (stops after the cut-over)"
  play
  rc=$?
fi
# The wave's own report (what was copied); finalize writes one of its own after it.
report=$(find "$SANDBOX/work/wave1/reports" -name report.md 2>/dev/null | sort | tail -n 1)
if [ "$rc" -eq 0 ]; then
  # In real life the day after (mailwave_finalize_after, 24 h by default); the sandbox does not wait.
  echo "== The day after: ansible-playbook mailwave.migrate.finalize -i examples/inventory.yml -e mailwave_finalize_after=0"
  play_book finalize -e mailwave_finalize_after=0
  rc=$?
fi
set -e

if [ -n "$report" ]; then
  echo
  echo "== The wave report ($report; JSON next to it)"
  cat "$report"
fi
spool="$SANDBOX/smtp-spool"
count=$(find "$spool" -name '*.eml' 2>/dev/null | wc -l)
echo
echo "== The sandbox's SMTP server received $count message(s) (in $spool):"
for f in $(find "$spool" -name '*.eml' 2>/dev/null | sort); do
  "$PY" - "$f" <<'PYEOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("  %-28s %s" % (m["To"], m["Subject"]))
PYEOF
done
echo "== Files of the wave (passwords 0600, messages to users, zone backups): $SANDBOX/work/wave1"
exit $rc
