#!/usr/bin/env bash
# Installs the Debian packages Validator Ring builds against, if any are missing:
# GMP, OpenSSL 3 (libcrypto) and libsodium headers, pkg-config to find them, and curl (the demo
# plays a validator client against the signing nodes), and valgrind (its memcheck runs
# `vring ct-check`, the constant-time test, and its headers build that check's client requests).
# As root it runs apt-get; otherwise it prints the command to run and exits 1.
# It also checks that a Swift toolchain is reachable.
set -euo pipefail

PACKAGES=(libgmp-dev libssl-dev libsodium-dev pkg-config curl valgrind)

missing=()
if command -v dpkg >/dev/null 2>&1; then
    for package in "${PACKAGES[@]}"; do
        if ! dpkg -s "$package" >/dev/null 2>&1; then
            missing+=("$package")
        fi
    done
else
    echo "install-deps: dpkg not found; this script supports Debian and Ubuntu." >&2
    echo "install-deps: install the equivalents of: ${PACKAGES[*]}" >&2
    exit 1
fi

if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "install-deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "install-deps: missing Debian packages: ${missing[*]}" >&2
        echo "install-deps: run this, then try again:" >&2
        echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "install-deps: swift is at /opt/swift/usr/bin but not on PATH; add it with:" >&2
        echo "    export PATH=/opt/swift/usr/bin:\$PATH" >&2
        echo "install-deps: (the Makefile does this by itself)" >&2
    else
        echo "install-deps: no Swift toolchain found (looked on PATH and in /opt/swift/usr/bin)." >&2
        echo "install-deps: install Swift 6.1 or newer from https://www.swift.org/install/linux/ and put its usr/bin on PATH." >&2
        exit 1
    fi
fi
