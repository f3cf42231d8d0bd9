#!/usr/bin/env bash
# Print the path of a Python interpreter of the given version (e.g. 3.12), found on PATH or under pyenv;
# print nothing and exit 1 if there is none.
set -u
want=$1
path=$(command -v "python$want" 2>/dev/null) && "$path" -c 'pass' 2>/dev/null && { echo "$path"; exit 0; }
if command -v pyenv >/dev/null 2>&1; then
  v=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1)
  [ -n "$v" ] && [ -x "$(pyenv root)/versions/$v/bin/python$want" ] && { echo "$(pyenv root)/versions/$v/bin/python$want"; exit 0; }
fi
exit 1
