#!/usr/bin/env bash
# Install the Debian packages named as arguments when any is missing.
# As root: apt-get installs them. Otherwise: print the exact command and fail.
set -euo pipefail
command -v dpkg-query >/dev/null 2>&1 || { echo "ensure-debian: not a Debian/Ubuntu system; install the equivalents of: $*" >&2; exit 0; }
missing=()
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  echo "ensure-debian: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $line
else
  echo "Thiếu gói hệ thống / missing Debian packages. Run as root:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
