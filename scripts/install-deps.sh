#!/bin/sh
# Installs every Debian package cairn's build, tests and benchmarks need. Idempotent; silent when
# nothing is missing. Run as root (or with sudo available).
set -eu

PACKAGES="
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy binutils
  libsqlite3-dev libssl-dev libfmt-dev nlohmann-json3-dev libasio-dev libhttp-parser-dev
  libargon2-dev libcli11-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev wrk nginx-light
  python3 python3-dev pybind11-dev python3-pytest python3-pip python3-setuptools python3-wheel
  python3-cryptography python3-jwt python3-argon2 python3-croniter python3-aiosmtpd
"

missing=""
for pkg in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
