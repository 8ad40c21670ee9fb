#!/usr/bin/env bash
# Installs the system packages the build and the tests need, from Debian's packages, when missing:
# the system OpenSSL 3 (libssl-dev, found with pkg-config), zlib (zlib1g-dev, for HTTP's gzip) and the openssl command (the TLS tests
# make their certificates with it). Quick and silent when everything is there.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
command -v openssl >/dev/null || missing+=(openssl)
[ -d /etc/ssl/certs ] && ls /etc/ssl/certs/*.pem >/dev/null 2>&1 || missing+=(ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian's packages)" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
