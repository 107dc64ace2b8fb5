"""Building Norse's C++ extensions: once per machine, never hanging, never silent.

:func:`build_extension` compiles a C++ source with ``torch.utils.cpp_extension`` the first
time it is needed and loads it; every later process loads the cached build. It serves every
C++ kernel of the core. How it behaves:

- **Cache.** Builds live in torch's extension directory (``TORCH_EXTENSIONS_DIR``, default
  ``~/.cache/torch_extensions/...``), one directory per build identity. The identity hashes
  the source, the bound functions, the compiler flags, the CPU's model and
  feature flags (builds use ``-march=native``), torch's installation (its path and version)
  and the Python ABI, so environments, machines and torch installations sharing a cache never
  load or rebuild each other's build.
- **Private build, atomic publication.** A builder compiles in a private directory
  (``<name>.tmp-<host>-<pid>``) and publishes the finished library with one atomic rename.
  A published library is complete, so loading one needs no lock, and works from a read-only
  cache (a prebuilt cache made by ``norse kernels build``). A builder that is killed leaves
  only its private directory (removed by the next builder), never a lock that blocks torch.
- **One builder at a time.** Builders of one identity hold an OS file lock
  (``fcntl.flock`` on ``<name>.lock``, which records the owner's host and pid). The kernel
  releases it when the owner exits, however it exits, so the lock of a killed builder is
  taken over at once; nothing ever deletes a lock file. A process that finds a live builder
  says so and waits for it at most :data:`WAIT_ENV` seconds (default
  :data:`DEFAULT_WAIT_SECONDS`).
- **Visible.** A process that compiles says so once on stderr ("compiling Norse's CPU kernels
  (once, about a minute)"). When a build cannot be used, :func:`build_extension` returns None
  and warns once with a :class:`KernelFallbackWarning` naming the cause: no compiler, a failed
  build (with the compiler's last lines), a read-only cache without a prebuilt kernel, or a
  timed-out wait. The caller then serves the PyTorch reference.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from types import ModuleType

import torch

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "WAIT_ENV",
    "KernelFallbackWarning",
    "build_extension",
    "extension_status",
]

WAIT_ENV = "NORSE_BUILD_WAIT_SECONDS"
"""Environment variable: how long to wait for another process that builds the same kernel."""

DEFAULT_WAIT_SECONDS = 600.0
"""Default of :data:`WAIT_ENV` (a build takes one to three minutes on two cores)."""

_POLL_SECONDS = 0.2


class KernelFallbackWarning(UserWarning):
    """A compiled kernel cannot be used; the PyTorch reference serves instead (cause given)."""


_lock = threading.Lock()
_results: dict[str, ModuleType | str] = {}
"""Per process: the loaded module or the reason it is unavailable, by build name."""


def _say(message: str) -> None:
    print(f"norse: {message}", file=sys.stderr, flush=True)


def _compiler() -> str | None:
    """The C++ compiler torch would use (``CXX`` or ``c++``), or None if it is not found."""
    return shutil.which(os.environ.get("CXX", "c++"))


def _cpu_id() -> str:
    """The CPU's model name and feature flags (Linux; empty where they cannot be read)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            lines = cpuinfo.read().splitlines()
    except OSError:
        return ""
    wanted = [line for line in lines if line.startswith(("model name", "flags", "Features"))]
    return "\n".join(sorted(set(wanted)))


def _root() -> str:
    """The extension cache root: ``TORCH_EXTENSIONS_DIR`` or torch's default."""
    from torch.utils.cpp_extension import get_default_build_root

    return os.environ.get("TORCH_EXTENSIONS_DIR") or get_default_build_root()


def _candidates(
    name: str, source: str, functions: Sequence[str], flags: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """Build names and compiler flags to try, in order (``-march=native`` first)."""
    cpu = _cpu_id()
    variants = [[*flags, "-march=native"], list(flags)] if cpu else [list(flags)]
    installation = [
        os.path.realpath(os.path.dirname(torch.__file__)),
        torch.__version__,
        sys.implementation.cache_tag or "",
        sys.platform,
        cpu,
    ]
    result = []
    for variant in variants:
        key = [source, *functions, "\0flags", *variant, "\0installation", *installation]
        digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
        result.append((f"{name}_{digest}", variant))
    return result


def _writable(root: str) -> bool:
    """Whether builds can be written under ``root`` (created if missing)."""
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:
        return False
    return os.access(root, os.W_OK | os.X_OK)


def _library_path(root: str, build: str) -> str:
    """Where the published library of build ``build`` lives."""
    return os.path.join(root, build, f"{build}.so")


def _import(build: str, path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(build, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _glue(functions: Sequence[str]) -> str:
    """pybind11 definitions binding ``functions`` (the source includes torch/extension.h)."""
    if not functions:
        return ""
    lines = [f'  m.def("{f}", torch::wrap_pybind_function({f}), "{f}");' for f in functions]
    return "\nPYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {\n" + "\n".join(lines) + "\n}\n"


def _owner(lock_path: str) -> str:
    try:
        with open(lock_path, encoding="utf-8") as handle:
            return handle.read().strip() or "another process"
    except OSError:
        return "another process"


@contextlib.contextmanager
def _exclusive(lock_path: str, what: str) -> Iterator[bool]:
    """Hold the build lock ``lock_path``; yields False if the wait limit passed first.

    Uses ``fcntl.flock``, which the kernel releases when its holder exits, so a killed
    builder's lock is free at once. Where ``fcntl`` does not exist (Windows) the build runs
    unlocked: builds are private and published atomically, so that only duplicates work.
    """
    try:
        import fcntl
    except ImportError:
        yield True
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        limit = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS))
        start = time.monotonic()
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    _say(
                        f"waiting for {_owner(lock_path)}, which is compiling {what} "
                        f"(at most {limit:.0f} s; {WAIT_ENV} changes the limit)"
                    )
                    waiting = True
                if time.monotonic() - start > limit:
                    yield False
                    return
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _compile(root: str, build: str, source: str, functions: Sequence[str], flags: list[str]):
    """Compile ``build`` in a private directory and publish its library atomically."""
    from torch.utils.cpp_extension import load

    for stale in os.listdir(root):  # private directories of killed builders
        if stale.startswith(f"{build}.tmp-"):
            shutil.rmtree(os.path.join(root, stale), ignore_errors=True)
    private = os.path.join(root, f"{build}.tmp-{socket.gethostname()}-{os.getpid()}")
    os.makedirs(private)
    try:
        cpp = os.path.join(private, f"{build}.cpp")
        with open(cpp, "w", encoding="utf-8") as handle:
            handle.write(source + _glue(functions))
        module = load(
            name=build,
            sources=[cpp],
            build_directory=private,
            extra_cflags=flags,
            extra_ldflags=["-fopenmp"] if "-fopenmp" in flags else [],
            verbose=False,
        )
        os.makedirs(os.path.join(root, build), exist_ok=True)
        os.replace(os.path.join(private, f"{build}.so"), _library_path(root, build))
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return module


def _fail(key: str, description: str, cause: str) -> None:
    _results[key] = cause
    warnings.warn(
        f"{description} unavailable, the slower PyTorch reference serves instead: {cause}",
        KernelFallbackWarning,
        stacklevel=4,
    )


def _summary(error: BaseException) -> str:
    """The error's type and its last few lines (a compiler's error is at the end)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: " + "\n".join(lines[-8:])


def build_extension(
    name: str,
    source: str,
    functions: Sequence[str],
    *,
    flags: Sequence[str] = ("-O3",),
    description: str = "Norse's CPU kernels",
) -> ModuleType | None:
    """Load C++ extension ``name``, compiling it first if no build is cached.

    Args:
        name: a prefix for the build's name (``"norse_leaky_cpu"``); the build identity's
            hash is appended.
        source: a complete C++ translation unit. When ``functions`` is not empty it must
            ``#include <torch/extension.h>``, and pybind11 bindings of ``functions`` are
            appended; otherwise it defines its own Python module ``TORCH_EXTENSION_NAME``.
        functions: names of the source's functions to expose to Python.
        flags: compiler flags; ``-march=native`` is tried first and left out if the
            compiler rejects the build. ``-fopenmp`` among them also links OpenMP.
        description: what is built, for the messages (``"Norse's CPU kernels"``).

    Returns:
        The extension module, or None when it cannot be built or loaded (warned once per
        process with a :class:`KernelFallbackWarning` that names the cause).
    """
    with _lock:
        if name in _results:
            result = _results[name]
            return result if isinstance(result, ModuleType) else None
        root = _root()
        candidates = _candidates(name, source, functions, flags)
        for build, _ in candidates:
            path = _library_path(root, build)
            if os.path.exists(path):
                try:
                    _results[name] = _import(build, path)
                    return _results[name]
                except ImportError as error:
                    _fail(name, description, f"cannot load the cached build {path}: {error}")
                    return None
        if _compiler() is None:
            cxx = os.environ.get("CXX", "c++")
            _fail(name, description, f"no C++ compiler found ({cxx!r}; set CXX or install g++)")
            return None
        if not _writable(root):
            _fail(
                name,
                description,
                f"the extension cache {root} is read-only and holds no prebuilt kernel "
                "(run `norse kernels build` where it is writable, or set TORCH_EXTENSIONS_DIR)",
            )
            return None
        errors = []
        for build, build_flags in candidates:
            with _exclusive(os.path.join(root, f"{build}.lock"), description) as held:
                if not held:
                    limit = os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS)
                    _fail(
                        name,
                        description,
                        f"another process was still compiling after {limit} s ({WAIT_ENV})",
                    )
                    return None
                path = _library_path(root, build)
                try:
                    if os.path.exists(path):  # built by the process we waited for
                        _results[name] = _import(build, path)
                        return _results[name]
                    if not errors:
                        _say(f"compiling {description} (once, about a minute; cache: {root})")
                    _results[name] = _compile(root, build, source, functions, build_flags)
                    return _results[name]
                except Exception as error:
                    errors.append(f"with {' '.join(build_flags)}: {_summary(error)}")
        _fail(name, description, "the C++ build failed " + "; then ".join(errors))
        return None


def extension_status(
    name: str, source: str, functions: Sequence[str], *, flags: Sequence[str] = ("-O3",)
) -> tuple[bool, str]:
    """Whether :func:`build_extension` would give a module, without building or warning.

    Returns ``(ok, reason)``: ``(True, "compiled")`` once loaded, ``(True, "prebuilt in
    <cache>")`` if a build is cached, ``(True, "not compiled yet: ...")`` if a compiler is
    found, and ``(False, cause)`` after a failed build or without a compiler.
    """
    result = _results.get(name)
    if isinstance(result, ModuleType):
        return True, "compiled"
    if isinstance(result, str):
        return False, result
    root = _root()
    if any(
        os.path.exists(_library_path(root, b))
        for b, _ in _candidates(name, source, functions, flags)
    ):
        return True, f"prebuilt in {root}"
    if _compiler() is None:
        return False, f"no C++ compiler found ({os.environ.get('CXX', 'c++')!r})"
    return True, "not compiled yet: compiled on the first fused call"
