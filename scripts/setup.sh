#!/usr/bin/env bash
# Install the Debian packages that vantage's build, tests, benchmarks and the
# local DNS world need. Idempotent: quiet and quick when all are present.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  liburing-dev libldns-dev ldnsutils libssl-dev openssl libjemalloc-dev
  libcriterion-dev libidn2-dev
  libjansson-dev  # the open-mpic JSON API (mpic/openmpic.c)
  libevent-dev  # `vantage agent` (cli/agent.c): evhttp + bufferevent_openssl
  # HTTP validation: libcurl (OpenSSL flavour, as the engine's TLS); the web
  # servers of the local world (nginx-light brings the echo module)
  libcurl4-openssl-dev nginx-light libnginx-mod-http-echo curl  # curl: tests/world/smoke.sh
  # what `pkg-config --static --libs vantage` names (-luring -lldns -lssl
  # -lcrypto -lidn2 -lunistring -ldl -lpthread -lm): the .a files come with
  # the -dev packages above, plus libunistring-dev (libidn2's private
  # dependency) and libc6-dev (libc.a, libdl.a, libpthread.a, libm.a)
  libunistring-dev libc6-dev
  nsd knot knot-dnsutils unbound dnsperf nftables iproute2
  gnuplot-nox jq bsdextrautils valgrind strace time dns-root-data python3
  python3-jsonschema  # tests/schema/validate.py: the JSON lines against docs/schema
  python3-yaml  # tests/schema/openmpic_validate.py reads the open-mpic OpenAPI file
  ca-certificates
  # tests/cli/test_man.sh renders the manual pages (man -l, groff -ww)
  groff-base man-db
)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the Debian server packages from starting system-wide
# daemons; tests start their own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
