#!/usr/bin/env bash
# Install what the tests, the benchmark and the demo need on a fresh Debian machine (run as root).
# Idempotent: a second run only checks. Services are installed, never started: tests start their own
# servers on 127.0.0.1 high ports.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  dovecot-imapd dovecot-core        # IMAP source and destination in tests
  bind9 bind9-utils knot knot-dnsutils pdns-server pdns-backend-sqlite3 sqlite3  # DNS servers in tests
  sogo memcached postgresql radicale xandikos  # groupware: SOGo (destination), Radicale, Xandikos (DAV sources)
  dovecot-managesieved dovecot-sieve  # ManageSieve source for sieve_sync
  isync                             # mbsync, a peer in the benchmark
  time                              # GNU time: exact peak RSS of each copier in the benchmark
  chromium                          # headless browser: tests of the report's HTML page
  openssl shellcheck rsync make
)
# Cyrus IMAP and Courier-IMAP: their server packages Conflict with dovecot-imapd (imap-server), so only
# their libraries are installed here; the servers themselves are unpacked privately below.
APT_PACKAGES+=(
  sasl2-bin libsasl2-modules libsasl2-modules-db libclamav12 libical3 libicu72 libjansson4 libpcre3 libpq5
  libsqlite3-0 libwrap0 libxapian30 libxml2 libzephyr4 libldap-2.5-0 libkrb5-3
  courier-authlib courier-authdaemon courier-authlib-userdb courier-base libcourier-unicode4 libidn12
  libgamin0 libgdbm6
)
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  # Keep the packages' own services from starting on the standard ports.
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
  # Debian starts some of them anyway on systems without policy-rc.d support; stop what runs.
  for svc in dovecot named knot pdns_server sogod memcached radicale xandikos; do pkill -x "$svc" 2>/dev/null || true; done
fi
# Cyrus and Courier servers: `apt-get download` + `dpkg -x` into .build/imap-servers (git-ignored), run
# from there by tests/servers/cyrus.py and courier.py; redone only when the candidate versions change.
IMAP_ROOT=.build/imap-servers
IMAP_DEBS=(cyrus-common cyrus-imapd courier-imap)
imap_candidates() { apt-cache policy "${IMAP_DEBS[@]}" | awk '/^[^ ]/{p=$1} /Candidate:/{print p $2}' | tr -d '\n'; }
imap_versions=$(imap_candidates)
if [ ! -s "$IMAP_ROOT/.versions" ] || [ "$(cat "$IMAP_ROOT/.versions")" != "$imap_versions" ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to unpack ${IMAP_DEBS[*]}" >&2; exit 1; fi
  case "$imap_versions" in *"(none)"*|"") apt-get update -qq; imap_versions=$(imap_candidates);; esac
  rm -rf "$IMAP_ROOT.tmp" && mkdir -p "$IMAP_ROOT.tmp/debs"
  (cd "$IMAP_ROOT.tmp/debs" && apt-get download -qq "${IMAP_DEBS[@]}" >/dev/null)
  for deb in "$IMAP_ROOT.tmp"/debs/*.deb; do dpkg -x "$deb" "$IMAP_ROOT.tmp/root"; done
  rm -rf "$IMAP_ROOT.tmp/debs" "$IMAP_ROOT"
  mv "$IMAP_ROOT.tmp" "$IMAP_ROOT"
  printf '%s' "$imap_versions" > "$IMAP_ROOT/.versions"
fi
# AppArmor or the packages' defaults are not used by our fixtures: each server gets its own config.

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.requirements.$(sha256sum requirements-dev.txt | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r requirements-dev.txt
  touch "$stamp"
fi
