# Builds the `nexus` Python package: a pybind11 extension (nexus._nexus) on the header-only
# C++ library, plus the pure-Python package around it. Offline: only Debian's setuptools and
# pybind11 are needed (pip install --no-build-isolation ./bindings/python).
import os

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

here = os.path.dirname(os.path.abspath(__file__))
include = os.path.normpath(os.path.join(here, "..", "..", "include"))
sim_include = os.path.normpath(os.path.join(here, "..", "..", "sim", "include"))  # nexus.sim (sim.cpp)
if not os.path.isdir(os.path.join(include, "nexus")):
    raise SystemExit(f"nexus headers not found at {include}: build from the nexus source tree")

# The extension's source files compile in parallel: NEXUS_BUILD_JOBS of them at a time, else one per
# CPU (setuptools alone compiles them one after another).
ParallelCompile("NEXUS_BUILD_JOBS", default=0).install()

ext = Pybind11Extension(
    "nexus._nexus",
    sorted(os.path.join("src", f) for f in os.listdir(os.path.join(here, "src")) if f.endswith(".cpp")),
    include_dirs=[include, sim_include, os.path.join(here, "src")],
    cxx_std=20,
    extra_compile_args=["-O2", "-Wall", "-Wextra"],
)

setup(
    name="nexus",
    version="0.1.0",
    description="Python bindings of nexus, a header-only mesh-network protocol library",
    packages=["nexus"],
    ext_modules=[ext],
    cmdclass={"build_ext": build_ext},
    python_requires=">=3.9",
    zip_safe=False,
)
