#!/usr/bin/env bash
# Installs the Debian packages incident-bot needs to build and test. Idempotent:
# apt-get skips what is already installed, and nothing runs when all are present.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config
    libboost1.81-dev libssl-dev nlohmann-json3-dev
    libsqlitecpp-dev libsqlite3-dev
    libre2-dev libsimdjson-dev libjemalloc-dev libfasttext-dev
    libgtest-dev libgmock-dev
    clang libclang-rt-14-dev
    openssl ca-certificates
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
