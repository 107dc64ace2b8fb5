"""Fault injection for the C++ kernel build (:mod:`norse.torch.ops._build`).

A killed builder, concurrent first builds, a read-only cache, no compiler, a failing build.
Each test builds a tiny extension (a plain C-API module, compiled in a few seconds) through
the real machinery: torch's ``cpp_extension``, the build lock, the atomic publication. Builds
in separate processes start through :data:`SCRIPT`; a slow compiler is simulated by a ``CXX``
wrapper that sleeps before calling the real one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest

from norse.torch.ops import _build

pytestmark = pytest.mark.slow  # skipped in the build session (see noxfile)

TINY = r"""
#include <Python.h>
#define NORSE_CAT2(a, b) a##b
#define NORSE_CAT(a, b) NORSE_CAT2(a, b)
#define NORSE_STR2(a) #a
#define NORSE_STR(a) NORSE_STR2(a)
static PyObject* twice(PyObject*, PyObject* x) { return PyLong_FromLong(2 * PyLong_AsLong(x)); }
static PyMethodDef methods[] = {{"twice", twice, METH_O, "2 x"}, {nullptr, nullptr, 0, nullptr}};
static PyModuleDef module = {PyModuleDef_HEAD_INIT, NORSE_STR(TORCH_EXTENSION_NAME), nullptr, -1,
                             methods};
PyMODINIT_FUNC NORSE_CAT(PyInit_, TORCH_EXTENSION_NAME)(void) { return PyModule_Create(&module); }
"""

SCRIPT = f"""
import sys
from norse.torch.ops._build import build_extension
module = build_extension("norse_test_tiny", {TINY!r}, (), flags=("-O0",), description="tiny")
print("result", None if module is None else module.twice(3))
"""

COMPILER = shutil.which("c++")
needs_compiler = pytest.mark.skipif(COMPILER is None, reason="no C++ compiler")


def _held_compiler(tmp_path) -> tuple[str, object]:
    """A ``CXX`` that waits (at most 120 s) until the file ``go`` exists, then compiles."""
    go = tmp_path / "go"
    path = tmp_path / "held-c++"
    path.write_text(
        f'#!/bin/sh\nfor i in $(seq 1200); do [ -e "{go}" ] && break; sleep 0.1; done\n'
        f'exec {COMPILER} "$@"\n'
    )
    path.chmod(0o755)
    return str(path), go


def _names(root) -> list[str]:
    return os.listdir(root) if root.exists() else []


def _env(root, **extra) -> dict[str, str]:
    env = dict(os.environ, TORCH_EXTENSIONS_DIR=str(root), OMP_NUM_THREADS="1")
    env.pop("CXX", None)
    env.update(extra)
    return env


class Run:
    """A build in another process; its stdout and stderr go to files (read while it runs)."""

    def __init__(self, root, directory, **env) -> None:
        self.out = directory / f"out-{time.monotonic_ns()}"
        self.err = directory / f"err-{time.monotonic_ns()}"
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SCRIPT],
                env=_env(root, **env),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def says(self, text: str) -> bool:
        return text in self.err.read_text()

    def finish(self, timeout: float = 120) -> tuple[str, str]:
        self.process.wait(timeout)
        out, err = self.out.read_text(), self.err.read_text()
        assert self.process.returncode == 0, err
        return out, err

    def kill_all(self) -> None:
        """Kill what is left of the process and its children (e.g. an orphaned compiler)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _until(condition, what: str, timeout: float = 120, runs: list[Run] = ()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            said = "\n".join(
                f"run {n} stderr: {run.err.read_text()[-2000:]}" for n, run in enumerate(runs)
            )
            raise AssertionError(f"timed out waiting until {what}\n{said}")
        time.sleep(0.1)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty extension cache and no build results in this process."""
    root = tmp_path / "cache"
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(root))
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(_build, "_results", {})
    return root


@needs_compiler
def test_a_killed_builder_is_taken_over_at_once(fresh, tmp_path):
    """kill -9 during the compile: the next process builds at once (no wait, no stale lock)."""
    held, _ = _held_compiler(tmp_path)
    killed = Run(fresh, tmp_path, CXX=held)
    try:
        _until(lambda: any(".tmp-" in name for name in _names(fresh)), "the build started")
        killed.process.send_signal(signal.SIGKILL)  # the builder only: its compiler lives on
        killed.process.wait(10)
        out, err = Run(fresh, tmp_path).finish()
        assert "result 6" in out
        assert "norse: compiling tiny" in err and "waiting" not in err
        assert not any(".tmp-" in name for name in _names(fresh))  # the orphan's dir is gone
    finally:
        killed.kill_all()


@needs_compiler
def test_concurrent_first_builds_compile_once(fresh, tmp_path):
    held, go = _held_compiler(tmp_path)
    runs = [Run(fresh, tmp_path, CXX=held), Run(fresh, tmp_path, CXX=held)]
    try:
        # One builds (its compiler held back) while the other says that it waits for it.
        _until(
            lambda: any(run.says("waiting for pid") for run in runs),
            "one waits",
            timeout=300,
            runs=runs,
        )
        go.touch()
        results = [run.finish() for run in runs]
    finally:
        for run in runs:
            run.kill_all()
    assert all("result 6" in out for out, _ in results)
    messages = " ".join(err for _, err in results)
    assert messages.count("norse: compiling tiny") == 1, messages


@needs_compiler
def test_a_live_builder_is_waited_for_within_the_limit(fresh, tmp_path):
    held, _ = _held_compiler(tmp_path)
    builder = Run(fresh, tmp_path, CXX=held)
    try:
        _until(lambda: any(".tmp-" in name for name in _names(fresh)), "the build started")
        out, err = Run(fresh, tmp_path, NORSE_BUILD_WAIT_SECONDS="1").finish()
        assert "result None" in out
        assert "waiting for pid" in err and "still compiling after 1 s" in err
        assert builder.process.poll() is None  # nobody touched the live builder or its lock
    finally:
        builder.kill_all()


@needs_compiler
def test_a_prebuilt_kernel_in_a_read_only_cache_is_used(fresh, monkeypatch):
    out, err = Run(fresh, fresh.parent).finish()
    assert "result 6" in out and "compiling tiny" in err
    before = sorted((p, p.stat().st_mtime_ns) for p in fresh.rglob("*"))
    monkeypatch.setattr(_build, "_writable", lambda root: False)
    monkeypatch.setenv("CXX", "/nonexistent/c++")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = _build.build_extension("norse_test_tiny", TINY, (), flags=("-O0",))
    assert module.twice(4) == 8
    assert sorted((p, p.stat().st_mtime_ns) for p in fresh.rglob("*")) == before
    ok, why = _build.extension_status("norse_test_tiny", TINY, (), flags=("-O0",))
    assert ok and why == "compiled"


def test_a_read_only_cache_without_a_build_falls_back_with_a_warning(fresh, monkeypatch):
    monkeypatch.setattr(_build, "_writable", lambda root: False)
    monkeypatch.setattr(_build, "_compiler", lambda: "/usr/bin/c++")
    with pytest.warns(_build.KernelFallbackWarning, match="read-only.*norse kernels build"):
        assert _build.build_extension("norse_test_tiny", TINY, ()) is None


def test_no_compiler_falls_back_with_one_warning(fresh, monkeypatch):
    monkeypatch.setenv("CXX", "/nonexistent/c++")
    ok, why = _build.extension_status("norse_test_tiny", TINY, ())
    assert not ok and "no C++ compiler" in why
    with pytest.warns(_build.KernelFallbackWarning, match="no C\\+\\+ compiler") as record:
        assert _build.build_extension("norse_test_tiny", TINY, ()) is None
        assert _build.build_extension("norse_test_tiny", TINY, ()) is None
    assert len(record) == 1
    assert not fresh.exists() or not os.listdir(fresh)


@needs_compiler
def test_a_failing_build_warns_with_the_compiler_error(fresh):
    broken = TINY.replace("return PyModule_Create", "return not_a_function")
    with pytest.warns(_build.KernelFallbackWarning, match="(?s)build failed.*not_a_function"):
        assert _build.build_extension("norse_test_broken", broken, (), flags=("-O0",)) is None
    ok, why = _build.extension_status("norse_test_broken", broken, ())
    assert not ok and "not_a_function" in why
    assert not any(".tmp-" in name for name in os.listdir(fresh))


def test_the_build_identity_includes_the_torch_installation(monkeypatch):
    import torch

    names = [build for build, _ in _build._candidates("x", TINY, (), ())]
    monkeypatch.setattr(torch, "__file__", "/elsewhere/torch/__init__.py")
    elsewhere = [build for build, _ in _build._candidates("x", TINY, (), ())]
    assert len(names) == len(elsewhere) and not set(names) & set(elsewhere)
    monkeypatch.undo()
    monkeypatch.setattr(sys.implementation, "cache_tag", "cpython-399")
    assert not set(names) & {build for build, _ in _build._candidates("x", TINY, (), ())}
