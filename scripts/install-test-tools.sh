#!/usr/bin/env bash
# Installs the real clients the end-to-end tests drive, from Debian's packages, when missing:
#   prometheus (remote_write sender, promtool), victoria-metrics (benchmark peer), chromium (dashboard tests).
set -euo pipefail
packages=()
command -v prometheus >/dev/null 2>&1 || packages+=(prometheus)
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v victoria-metrics >/dev/null 2>&1 || packages+=(victoria-metrics)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
if [ "${#packages[@]}" -eq 0 ]; then
  echo "test tools present: prometheus, promtool, victoria-metrics, chromium"
  exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing from Debian: ${packages[*]}"
as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
