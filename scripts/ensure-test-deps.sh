#!/usr/bin/env bash
# Brings what the test suite needs on a Debian machine of this kind: Prometheus + promtool
# (end-to-end backfill tests), Alertmanager, GNU time (benchmarks' peak memory), Chromium (the
# review page's browser tests) and a running PostgreSQL. Installs only what is missing; safe to
# run again.
set -euo pipefail

need=()
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/bin/chromium ] || need+=(chromium)   # the review page's browser tests (playwright-core drives it)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: missing Debian packages: ${need[*]}; install them as root (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing ${need[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL: started when it is installed but down (the service tests use it; analysis does not).
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "ensure-test-deps: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi
exit 0
