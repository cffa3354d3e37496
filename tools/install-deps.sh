#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages bondsim needs, if missing.
# Non-interactive; tshark's "non-root capture" question is pre-answered (no).
set -euo pipefail
packages=(build-essential cmake pkg-config libglib2.0-dev libpcap-dev libcunit1-dev tshark
          gnuplot-nox clang-format)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
