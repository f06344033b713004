"""Builds the `cairn` Python package: the pure-Python files plus cairn._core, compiled by the
project's own CMake build (so the extension is exactly the one the test suites test).

    python3 -m pip install --no-build-isolation --no-deps ./bindings/python

Works offline with Debian's pip, setuptools, wheel, cmake, ninja and pybind11-dev. The build
needs the whole source tree (this directory lives at bindings/python inside it).
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def read_version():
    header = (ROOT / "include" / "cairn" / "version.h").read_text()
    return re.search(r'#define CAIRN_VERSION_STRING "([^"]+)"', header).group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not (ROOT / "CMakeLists.txt").exists():
            raise RuntimeError(f"cairn's source tree was not found at {ROOT}")
        build_dir = pathlib.Path(os.environ.get("CAIRN_PYTHON_BUILD_DIR", self.build_temp)).resolve()
        build_dir.mkdir(parents=True, exist_ok=True)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
             "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
             "-DCAIRN_BUILD_PYTHON=ON", "-DCAIRN_BUILD_TESTS=OFF", "-DCAIRN_BUILD_BENCHMARKS=OFF",
             "-DCAIRN_BUILD_EXAMPLES=OFF", "-DCAIRN_BUILD_SERVERS=OFF"],
            check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "cairn_python",
                        "--parallel", jobs], check=True)
        built = next((build_dir / "python" / "cairn").glob("_core*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    name="cairn",
    version=read_version(),
    description="An embeddable engine for self-hosted services (Python bindings)",
    packages=["cairn"],
    package_data={"cairn": ["*.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("cairn._core")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    zip_safe=False,
)
