#!/usr/bin/env bash
# Debian packages the hotline needs. Idempotent: installs only what is missing.
#   usage: install-system-deps.sh [run|test]      (default: run)
# run:  espeak-ng   Vietnamese TTS command (the library itself ships in the espeakng-loader wheel)
#       sox         audio conversions
# test: + postgresql   the store is tested against a real PostgreSQL server on loopback
#       + sip-tester   sipp, a real SIP peer for the gateway and end-to-end tests
#       + baresip      a real softphone calling the hotline in the end-to-end tests
#       + chromium     headless browser for the staff-console tests (driven by Playwright)
#       + kamailio     SIP load balancer (dispatcher) in front of several gateway workers
set -euo pipefail

PACKAGES=(espeak-ng sox)
if [ "${1:-run}" = "test" ]; then
    PACKAGES+=(postgresql sip-tester baresip chromium kamailio)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "install-system-deps: need root to install: ${missing[*]}" >&2; exit 1
    fi
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
