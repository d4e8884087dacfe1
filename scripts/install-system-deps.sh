#!/usr/bin/env bash
# Installs the Debian packages the tests need (Chromium for the browser test, Mosquitto for the
# MQTT tests: the tests start their own broker), as root.
# Skips what is already there; does nothing when not root (then install them yourself).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "system packages missing (${need[*]}); run as root: apt-get install -y ${need[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
