#!/usr/bin/env bash
# Install the real servers the test suite uses (Debian 12): Prometheus + promtool, Alertmanager +
# amtool, PostgreSQL 15, VictoriaMetrics, and Chromium (the console's browser tests drive it through
# Playwright). Nothing is started or enabled: the tests start their own
# instances on 127.0.0.1 with private data directories (see docs/testing.md).
#
# Usage: sudo scripts/install-services.sh        (idempotent; about 15 s on a fresh machine)
set -euo pipefail

PACKAGES=(prometheus prometheus-alertmanager postgresql victoria-metrics chromium)

if [[ $(id -u) -ne 0 ]]; then
  exec sudo -- "$0" "$@"
fi

# Debian starts a service right after installing its package unless /usr/sbin/policy-rc.d exits
# 101. Container images ship such a file; on a full machine we add one for the duration of the
# install so that no system Prometheus/PostgreSQL starts (and grabs ports 9090/5432).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  created_policy=1
fi
cleanup() { if [[ $created_policy -eq 1 ]]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "already installed: ${PACKAGES[*]}"
fi

# Belt and braces on machines with systemd: make sure none of them runs or starts at boot.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  for unit in prometheus prometheus-alertmanager prometheus-node-exporter postgresql victoria-metrics; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

for bin in prometheus promtool prometheus-alertmanager amtool victoria-metrics chromium; do
  command -v "$bin" >/dev/null || { echo "missing after install: $bin" >&2; exit 1; }
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null || { echo "missing after install: postgres" >&2; exit 1; }
id postgres >/dev/null || { echo "missing system user postgres" >&2; exit 1; }
echo "services installed (not started)"
