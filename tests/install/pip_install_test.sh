#!/bin/sh
# `pip install --no-build-isolation --no-deps ./bindings/python` works offline and gives a package
# that imports from any directory. Runs on a copy of the tree so the checkout stays clean.
set -eu
src=$1
python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tree"
# Copy the sources, not build trees or VCS data.
(cd "$src" && tar --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./data \
   --exclude='*.egg-info' -cf - .) | (cd "$work/tree" && tar -xf -)
cd "$work/tree"
# Debian marks its Python "externally managed" (PEP 668); installing into a target directory
# is the documented way to stay out of the system's site-packages here.
CMAKE_BUILD_PARALLEL_LEVEL=2 "$python" -m pip install --no-build-isolation --no-deps \
  --no-index --quiet --root-user-action=ignore --target "$work/site" ./bindings/python
cd /
PYTHONPATH="$work/site" "$python" -c '
import cairn, os, sys
assert cairn.__file__.startswith(sys.argv[1]), cairn.__file__
with cairn.open("memory:") as e:
    assert len(e.instance_id) == 32
try:
    cairn.open("nope:")
except cairn.InvalidArgumentError as err:
    assert err.reason == "STORAGE_URI_INVALID"
assert os.path.exists(os.path.join(os.path.dirname(cairn.__file__), "py.typed"))
assert os.path.exists(os.path.join(os.path.dirname(cairn.__file__), "errors.pyi"))
print("pip install: cairn", cairn.__version__, "imports from", os.getcwd())
' "$work/site"
echo "1 passed, 0 failed"
