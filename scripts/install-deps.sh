#!/bin/sh
# Installs every Debian package cairn's build, tests and benchmarks need and, given a build
# directory, the npm packages the interop tests run against (tests/npm, pinned by its lockfile)
# into BUILD_DIR/npm. Idempotent; silent when nothing is missing. Run as root (or with sudo
# available) when Debian packages are missing.
#
#   sh scripts/install-deps.sh [BUILD_DIR]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-}

PACKAGES="
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy binutils
  libsqlite3-dev libssl-dev libfmt-dev nlohmann-json3-dev libasio-dev libhttp-parser-dev
  libargon2-dev libcli11-dev libpq-dev postgresql-15
  libgtest-dev libgmock-dev libbenchmark-dev wrk nginx-light
  python3 python3-dev pybind11-dev python3-pytest python3-pip python3-setuptools python3-wheel
  python3-cryptography python3-jwt python3-argon2 python3-croniter python3-aiosmtpd
  python3-websockets
"

missing=""
for pkg in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done

# Node.js runs the MCP interop tests. A node already on PATH (nodesource's, say) is used as it is;
# only without one are Debian's packages installed.
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"

if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # postgresql-15 is there for its server binaries: the tests start a private server of their
  # own (scripts/postgres-test-server.sh). Debian would also create and start a system cluster.
  case "$missing" in
    *postgresql-15*)
      if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
        $SUDO mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf \
          >/dev/null
      fi
      ;;
  esac
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  echo "install-deps: done"
fi

# The npm peers, exactly as locked, into BUILD_DIR/npm/node_modules; the interop tests are copied
# next to them by CMake (BUILD_DIR/npm/tests) so Node's module resolution finds them. A stamp
# holding the lockfile's SHA-256 skips the work when they are already installed.
[ -z "$build_dir" ] && exit 0
npm_dir="$build_dir/npm"
lock_sum=$(sha256sum "$root/tests/npm/package-lock.json" | cut -d' ' -f1)
stamp="$npm_dir/.install-stamp"
if [ -d "$npm_dir/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  exit 0
fi
echo "install-deps: npm peers into $npm_dir"
mkdir -p "$npm_dir"
rm -f "$stamp"
cp "$root/tests/npm/package.json" "$root/tests/npm/package-lock.json" "$npm_dir/"
(cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$lock_sum" >"$stamp"
echo "install-deps: done"
