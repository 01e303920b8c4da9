#!/usr/bin/env bash
# Debian packages the hotline and its test suite need. Idempotent: installs only what is missing.
#   espeak-ng      Vietnamese TTS (the CLI; the library also ships in the espeakng-loader wheel)
#   postgresql     the test suite runs the store against a real PostgreSQL server on loopback
#   sip-tester     sipp, the SIP peer of the gateway tests and load tests
#   sox            audio conversions in tests and benchmarks
set -euo pipefail

PACKAGES=(espeak-ng postgresql sip-tester sox)

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
# The postgresql package would start a cluster service; the tests start their own server.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
