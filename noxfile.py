"""Every test, lint, build and demo job of the Norse monorepo: ``nox -s <session>``.

Sessions:

- ``core``: norse-core alone (torch, pluggy and the test tools), with the isolation
  assertions of ``packages/norse-core/tests/test_isolation.py`` switched on, and the oracle
  tests (``tests/oracle``) against Norse 1.1.0 in its own environment.
- ``cuda``, ``nir``, ``tasks``, ``viz``: norse-core plus that one plugin and its own
  dependencies; runs the plugin's tests. ``nir`` also checks files written for nir 1.0.4
  with nir 1.0.4 and Sinabs (their own environment: they pin nir <= 1.0.4).
- ``lint``: ``ruff check`` and ``ruff format --check``.
- ``build``: the release check: sdist and wheel of every package, ``twine check``, each
  plugin's declared ``norse-core`` range against the core in this tree; then the built wheels
  installed together into a fresh environment, ``norse plugins --json`` checked to list all six
  distributions, and each package's wheel tests (:data:`WHEEL_TESTS`: imports, entry points,
  CLI, C++ kernels from the wheel's sources, cross-package wiring) run against the wheels.
- ``docs``: the documentation site (``mkdocs build --strict``), with every package installed;
  its pages' code blocks run during the build.
- ``tests``: what CI runs (``.ci/run``): all of the above.
- ``demo``: the main job; trains a spiking policy on CartPole-v1 (``norse task run cartpole``).

Torch: two builds are used, each installed once (with the build backend and the test
tools every session needs) into a shared environment under ``.nox/_torch-*`` and layered under
the session environments with a ``.pth`` file (pip in a session sees them as installed and
does not fetch others; the packages install editable without build isolation, so no session
sets up a build environment per package):

- ``torch==2.13.0`` (the CPU wheel): core, nir, viz;
- ``torch==2.14.1`` (the CUDA build, which brings triton): cuda, tasks, build, demo;
  the sessions that need torchvision install 0.29.1 (the build that imports beside it) on
  top, so the cuda session does not see it.

Triton kernels run on the CPU under ``TRITON_INTERPRET=1``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import nox
import nox.command
from packaging.requirements import Requirement

ROOT = Path(__file__).parent
PACKAGES = {
    "core": ROOT / "packages" / "norse-core",
    "cuda": ROOT / "packages" / "norse-cuda",
    "nir": ROOT / "packages" / "norse-nir",
    "tasks": ROOT / "packages" / "norse-tasks",
    "viz": ROOT / "packages" / "norse-viz",
    "example": ROOT / "examples" / "norse-plugin-example",
}
DISTRIBUTIONS = {
    "core": "norse-core",
    "cuda": "norse-cuda",
    "nir": "norse-nir",
    "tasks": "norse-tasks",
    "viz": "norse-viz",
    "example": "norse-plugin-example",
}
BUILD_TOOLS = ["hatchling>=1.27", "editables"]
"""The packages' build backend (and what its editable builds import)."""
TEST_TOOLS = ["pytest>=8", "hypothesis>=6"]
TORCH_BUILDS = {
    "cpu": ["torch==2.13.0", *BUILD_TOOLS, *TEST_TOOLS],
    "gpu": ["torch==2.14.1", *BUILD_TOOLS, *TEST_TOOLS],
}
"""Each shared layer: a torch build, the build backend and the test tools."""
TORCHVISION = "torchvision==0.29.1"
"""The torchvision build that imports beside the gpu torch build (installed per session)."""
NIR_INTEROP_PEERS = ["snntorch==1.0.0", "nirtorch>=2", "loguru"]
NORSE_1 = ["torch==2.13.0", "norse==1.1.0"]
"""The oracle: Norse 1.1.0 (``torch==2.13.0`` keeps pip on the shared CPU build)."""

nox.options.default_venv_backend = "virtualenv"  # seeds pip in ~1 s; venv's ensurepip ~10 s
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests"]


def _new_env(session: nox.Session, path: Path) -> None:
    """Create a virtual environment at ``path`` (with virtualenv, which nox depends on)."""
    session.run(sys.executable, "-m", "virtualenv", "-q", str(path), external=True)


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.check_output([str(python), "-c", code], text=True).strip())


def _shared_torch(session: nox.Session, build: str) -> None:
    """Layer the shared environment holding ``TORCH_BUILDS[build]`` under this session's.

    The shared environment is created (and the pinned packages installed into it) only when
    it is missing or holds other pins; ``rm -r .nox`` starts from scratch.
    """
    _layer_torch(session, Path(session.virtualenv.bin) / "python", build)


def _layer_torch(session: nox.Session, python: Path, build: str) -> None:
    """Make the shared ``build`` torch importable (and installed, for pip) from ``python``."""
    requirements = TORCH_BUILDS[build]
    shared = ROOT / ".nox" / f"_torch-{build}"
    shared_python = shared / "bin" / "python"
    marker = shared / "norse-pins.txt"
    if not marker.exists() or marker.read_text() != "\n".join(requirements):
        session.log(f"creating the shared {build} torch environment {shared}")
        shutil.rmtree(shared, ignore_errors=True)
        _new_env(session, shared)
        session.run(
            str(shared_python), "-m", "pip", "install", "--quiet", *requirements, external=True
        )
        marker.write_text("\n".join(requirements))
    pth = _site_packages(python) / "_norse_shared_torch.pth"
    pth.write_text(f"{_site_packages(shared_python)}\n")


def _peer_env(
    session: nox.Session, name: str, requirements: list[str], no_deps: tuple[str, ...] = ()
) -> Path:
    """An environment ``.nox/_peer-NAME`` for an outside library (an oracle or a benchmark peer).

    Peers import under their own names (Norse 1.1.0 is ``norse`` too), so they never share an
    environment with this repository's packages; each is layered on the shared CPU torch and
    created once; ``no_deps`` are installed without their dependencies. Returns its
    interpreter.
    """
    env = ROOT / ".nox" / f"_peer-{name}"
    python = env / "bin" / "python"
    marker = env / "norse-pins.txt"
    pins = "\n".join([*requirements, *no_deps])
    if not marker.exists() or marker.read_text() != pins:
        shutil.rmtree(env, ignore_errors=True)
        _new_env(session, env)
        _layer_torch(session, python, "cpu")
        pip = [str(python), "-m", "pip", "install", "-q"]
        session.run(*pip, *requirements, external=True)
        if no_deps:
            session.run(*pip, "--no-deps", *no_deps, external=True)
        marker.write_text(pins)
    return python


def _install(session: nox.Session, *names: str, test: bool = True) -> None:
    """Install the named packages of this repository (editable, built with the layer's
    hatchling), with their test extras."""
    extras = "[test]" if test else ""
    session.install("--no-build-isolation", *(f"-e{PACKAGES[name]}{extras}" for name in names))


def _pytest(session: nox.Session, *names: str, env: dict[str, str] | None = None) -> None:
    """Run each named package's tests in its own pytest process (test file names repeat).

    Every package runs even when an earlier one fails; the session then fails naming them.
    """
    failed = []
    for name in names:
        tests = str(PACKAGES[name] / "tests")
        try:
            session.run("python", "-m", "pytest", "-q", tests, *session.posargs, env=env or {})
        except nox.command.CommandFailed:
            failed.append(DISTRIBUTIONS[name])
    if failed:
        session.error(f"tests failed in: {', '.join(failed)}")


@nox.session
def core(session: nox.Session) -> None:
    """norse-core with only torch, pluggy and the test tools; asserts no plugin is present.

    The oracle tests (``tests/oracle``: traces, checkpoints and Norse-1.x user code) run
    against Norse 1.1.0 in its own environment (``.nox/_peer-norse-1.1.0``).
    """
    _shared_torch(session, "cpu")
    _install(session, "core")
    oracle = _peer_env(session, "norse-1.1.0", NORSE_1)
    # Compile the C++ kernels now, visibly, rather than inside the first test that runs them
    # (the oracle tests run them first, in subprocesses with time limits).
    session.run("norse", "kernels", "build")
    env = {"NORSE_TEST_CORE_ONLY": "1", "NORSE_ORACLE_PYTHON": str(oracle)}
    _pytest(session, "core", env=env)


@nox.session
def cuda(session: nox.Session) -> None:
    """norse-core + norse-cuda (triton), kernels under Triton's CPU interpreter."""
    _shared_torch(session, "gpu")
    _install(session, "core", "cuda")
    _pytest(session, "cuda", env={"TRITON_INTERPRET": "1"})


NIR_LEGACY = ["nir==1.0.4", "h5py", "numpy", "matplotlib"]  # sinabs imports pylab
"""nir 1.0.4, the version Sinabs and Rockpool pin (their files and readers)."""
NIR_LEGACY_NO_DEPS = ("sinabs==3.1.3", "pbr", "nirtorch==1.0")
"""Sinabs without its ``samna`` dependency (a stub whose import installs from an outside host)."""


@nox.session
def nir(session: nox.Session) -> None:
    """norse-core + norse-nir (nir), with snnTorch and SpikingJelly for the interop tests.

    The peers are test-only. SpikingJelly is installed with ``--no-deps``: it declares
    torchvision and torchaudio, which would replace the session's torch, while its NIR
    exchange needs only ``loguru`` and ``h5py``. The example plugin is installed for the
    plugin-converter test. ``tests/test_legacy_nir.py`` reads our nir 1.0.4 files with nir
    1.0.4 and Sinabs in their own environment (``.nox/_peer-nir-1.0.4``).
    """
    _shared_torch(session, "cpu")
    _install(session, "core", "nir", "example")
    session.install(*NIR_INTEROP_PEERS)
    session.install("--no-deps", "spikingjelly==2.0.0")
    session.run(
        "python",
        "-c",
        "import snntorch, nirtorch, norse_plugin_example; "
        "import spikingjelly.activation_based.nir_exchange",
    )
    legacy = _peer_env(session, "nir-1.0.4", NIR_LEGACY, NIR_LEGACY_NO_DEPS)
    _pytest(session, "nir", env={"NORSE_NIR_LEGACY_PYTHON": str(legacy)})


@nox.session
def tasks(session: nox.Session) -> None:
    """norse-core + norse-tasks (lightning, torchvision, gymnasium, scikit-learn for test data)."""
    _shared_torch(session, "gpu")
    session.install(TORCHVISION)
    _install(session, "core", "tasks")
    _pytest(session, "tasks")


@nox.session
def viz(session: nox.Session) -> None:
    """norse-core + norse-viz (matplotlib), with the example plugin for its neuron's plots."""
    _shared_torch(session, "cpu")
    _install(session, "core", "viz", "example")
    _pytest(session, "viz", env={"MPLBACKEND": "Agg"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and no plugin importing a private name of the core."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    private = _private_core_imports()
    if private:
        session.error("plugins import private names of norse-core:\n" + "\n".join(private))
    session.log("no plugin imports a private name of norse-core")


def _private_core_imports() -> list[str]:
    """``file:line: name`` for each import of a private ``norse`` module or name by a plugin.

    A name is private when a component of its dotted path starts with ``_`` (``norse.torch.ops.
    _reference``, ``from norse.torch.ops import _cpp``); plugins use only the public API, so a
    core release inside their declared range cannot break them.
    """
    import ast

    found = []
    for name, package in PACKAGES.items():
        if name == "core":
            continue
        for path in sorted((package / "src").rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
                else:
                    continue
                for dotted in names:
                    parts = dotted.split(".")
                    if parts[0] == "norse" and any(p.startswith("_") for p in parts[1:]):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {dotted}")
    return found


WHEEL_TESTS = {
    "core": (
        "test_import.py",
        "test_plugins.py",
        "test_cli.py",
        "test_ops_library.py",
        "test_ops_conformance.py",
        "test_neuron_spec_fields.py",
    ),
    "cuda": ("test_cuda_plugin.py",),
    "nir": (
        "test_plugin.py",
        "test_cli.py",
        "test_plugin_converters.py",
        "test_neuron_spec_fields.py",
    ),
    "tasks": ("test_cli.py",),
    "viz": ("test_cli.py", "test_norse1_api.py", "test_neuron_spec_fields.py"),
    "example": ("test_plugin.py", "test_qif.py"),
}
"""Each package's tests run against the installed wheels, all six packages present at once
(the whole suites run on the same code in the package sessions): imports and start-up, entry
points and plugin discovery, every CLI command, the ops' registration and the C++ kernels
compiled from the wheel's sources, the Norse 1.x import paths served by plugins, every
``NeuronSpec`` field read across packages, and the example plugin's neuron in every package."""


@nox.session
def build(session: nox.Session) -> None:
    """Release check: build every package, install the wheels together, test them there.

    Builds the sdist and wheel of each package (the wheel from the sdist, so a file missing
    from the sdist fails here), runs ``twine check --strict``, checks that each plugin's
    declared ``norse-core`` range admits the core in this tree, then installs the built wheels
    (not the editable trees) with their test extras into a fresh environment on the GPU torch
    build, checks that ``norse plugins --json`` lists all six distributions with their
    versions, and runs each package's :data:`WHEEL_TESTS` there.
    """
    session.install("build", "twine", "packaging", *BUILD_TOOLS)
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for name, path in PACKAGES.items():
        session.run(
            "python", "-m", "build", "--no-isolation", "--outdir", str(dist / name), str(path)
        )
    session.run("twine", "check", "--strict", *(str(p) for p in sorted(dist.glob("*/*"))))
    core_version = _version(PACKAGES["core"])
    wheels = {}
    for name in PACKAGES:
        (wheel,) = (dist / name).glob("*.whl")
        wheels[name] = wheel
        if name == "core":
            continue
        requirement = Requirement(_core_requirement(wheel))
        if not requirement.specifier.contains(core_version):
            session.error(f"{wheel.name} requires {requirement}, not norse-core {core_version}")
        session.log(f"{wheel.name}: {requirement} admits norse-core {core_version}")

    env = tmp / "wheels-env"
    shutil.rmtree(env, ignore_errors=True)
    _new_env(session, env)
    python = env / "bin" / "python"
    _layer_torch(session, python, "gpu")
    requirements = [
        f"{DISTRIBUTIONS[name]}[test] @ {wheel.as_uri()}" for name, wheel in wheels.items()
    ]
    session.run(
        str(python), "-m", "pip", "install", "-q", TORCHVISION, *requirements, external=True
    )
    session.log("norse plugins --json")
    listing = subprocess.check_output([str(env / "bin" / "norse"), "plugins", "--json"])
    plugins = {p["distribution"]: p for p in json.loads(listing)["plugins"]}
    for name, distribution in DISTRIBUTIONS.items():
        if distribution not in plugins:
            session.error(f"norse plugins does not list {distribution}: {sorted(plugins)}")
        found = plugins[distribution]
        if found["version"] != _version(PACKAGES[name]) or found["errors"]:
            session.error(f"norse plugins lists {distribution} wrongly: {found}")
        session.log(f"norse plugins: {distribution} {found['version']} {found['registered']}")
    failed = []
    for name, path in PACKAGES.items():
        # src layouts: the tests import the installed wheels, not the source trees.
        tests = [path / "tests" / test for test in WHEEL_TESTS[name]]
        try:
            session.run(
                str(python),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "not slow",  # fault injection, property sweeps: run by the package sessions
                *(str(test) for test in tests),
                *session.posargs,
                env={"TRITON_INTERPRET": "1", "MPLBACKEND": "Agg"},
                external=True,
            )
        except nox.command.CommandFailed:
            failed.append(DISTRIBUTIONS[name])
    if failed:
        session.error(f"tests failed against the built wheels in: {', '.join(failed)}")


DOCS_TOOLS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings==1.0.8",
    "mkdocstrings-python==2.0.11",
    "markdown-exec==1.12.6",
    "scikit-learn",
]
"""The site's build tools, pinned: a strict build fails on their new warnings; scikit-learn's
handwritten digits are the small MNIST-format data set of the MNIST tutorial."""


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into ``site/`` (``mkdocs build --strict``).

    Every package and the example plugin are installed (editable), so that the pages' code
    blocks, which run during the build, and the neuron gallery see all of them. Extra
    arguments go to ``mkdocs build`` (e.g. ``nox -s docs -- --site-dir /tmp/site``).
    """
    _shared_torch(session, "gpu")
    session.install(TORCHVISION)
    _install(session, *PACKAGES, test=False)
    session.install(*DOCS_TOOLS)
    session.run(
        "mkdocs",
        "build",
        "--strict",
        *session.posargs,
        env={"MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(
    venv_backend="none",
    requires=[
        "core",
        "cuda",
        "nir",
        "tasks",
        "viz",
        "lint",
        "build",
        "docs",
    ],
)
def tests(session: nox.Session) -> None:
    """Everything CI runs: every package session, lint, and the release check on built wheels."""
    session.log("all test sessions passed")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: list the plugins, then train a spiking policy on CartPole-v1 until it is
    solved (offline, about a minute on 2 CPU cores), printing its progress and where its
    metrics and summary went."""
    _shared_torch(session, "gpu")
    session.install(TORCHVISION)
    _install(session, "core", "tasks", "viz", "example", test=False)
    session.run("norse", "plugins")
    session.run("norse", "task", "run", "cartpole", "--output", "runs/cartpole", *session.posargs)


def _version(path: Path) -> str:
    import tomllib

    return tomllib.loads((path / "pyproject.toml").read_text())["project"]["version"]


def _core_requirement(wheel: Path) -> str:
    """The ``Requires-Dist`` on norse-core in a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    for requirement in metadata.get_all("Requires-Dist") or []:
        if requirement.replace("_", "-").startswith("norse-core"):
            return requirement
    raise RuntimeError(f"{wheel.name} does not depend on norse-core")


BENCH_PEERS = {
    "norse-1.1.0": (NORSE_1, ()),
    "snntorch": (["torch==2.13.0", "numpy", "snntorch==1.0.0"], ()),
    # --no-deps: SpikingJelly declares torchvision/torchaudio, which would replace torch 2.13.0
    "spikingjelly": (["torch==2.13.0", "numpy", "loguru", "h5py"], ("spikingjelly==2.0.0",)),
}
"""Each peer library's environment: (requirements, installed without dependencies)."""


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against Norse 1.1.0, snnTorch and SpikingJelly (not part of tests).

    Each peer gets its own environment (``.nox/_peer-<name>``, all on torch 2.13.0 CPU); the
    results go to ``docs/benchmarks-table.md`` and the plot ``docs/benchmarks.png`` (shown in
    ``docs/benchmarks.md``). Extra
    arguments are passed to ``benchmarks/run.py`` (e.g. ``nox -s bench -- --sizes 128``).
    """
    _shared_torch(session, "cpu")
    _install(session, "core", test=False)
    session.install("numpy")
    pythons = []
    for name, (requirements, no_deps) in BENCH_PEERS.items():
        python = _peer_env(session, name, requirements, no_deps)
        pythons += ["--python", f"{name}={python}"]
    session.run(
        "python",
        "benchmarks/run.py",
        *pythons,
        "--markdown",
        str(ROOT / "docs" / "benchmarks-table.md"),
        *session.posargs,
    )
    session.install("matplotlib")
    session.run(
        "python",
        "benchmarks/plot.py",
        str(ROOT / "docs" / "benchmarks-table.md"),
        str(ROOT / "docs" / "benchmarks.png"),
    )
