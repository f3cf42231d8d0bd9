#!/usr/bin/env bash
# ansible-test sanity on a copy of the tracked tree placed under ansible_collections/mailwave/migrate/,
# in a virtualenv of its own (ansible-test pins linters that must not clash with ansible-lint's).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv=".venv-sanity-$pyver"
if [ ! -x "$venv/bin/ansible-test" ]; then
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "$(grep -E "^ansible-core==.*python_version $( [ "${pyver#3.}" -ge 12 ] && echo '>=' || echo '<' ) \"3.12\"" requirements-dev.txt | cut -d';' -f1)"
fi
# ansible-test downloads a pip bootstrap script for its venvs; give it ours (see the script).
mkdir -p ~/.ansible/test/cache
for v in 24_2 25_2 25_3; do cp scripts/get_pip_offline.py ~/.ansible/test/cache/get_pip_$v.py; done
# A private copy per run: two runs at once (developers, CI) must not delete each other's tree.
mkdir -p .build
work=$(mktemp -d "$PWD/.build/sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/mailwave/migrate
mkdir -p "$dest"
# Tracked files plus new ones not ignored: what would be committed.
git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$dest/"
top=$PWD
cd "$dest"
git init -q . && git add -A >/dev/null  # ansible-test uses git to list the collection's files
"$top/$venv/bin/ansible-test" sanity --local --requirements --python "$pyver" "$@"
