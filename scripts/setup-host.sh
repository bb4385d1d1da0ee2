#!/usr/bin/env bash
# Install the Debian 12 packages tdx-emu needs to build and run, if any
# are missing.  Safe to run again; needs root (or sudo) only to install.
set -euo pipefail

PACKAGES=(build-essential cmake pkg-config libssl-dev libcmocka-dev libjson-c-dev openssl libcapstone-dev)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
echo "setup-host: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
