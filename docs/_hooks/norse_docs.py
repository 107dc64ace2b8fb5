"""mkdocs hooks of Norse's documentation site, and the helpers its pages' code blocks call.

- Build environment (each unless already set): matplotlib draws with Agg; the fused ops use
  the PyTorch reference kernels (``NORSE_KERNELS=reference``), so that a fresh build does
  not spend a minute compiling the C++ CPU kernels (results are the same: the kernels are
  tested equal to the reference); torch uses one thread (``OMP_NUM_THREADS=1``), which for
  the pages' tiny shapes is fastest and, on a busy machine, avoids threads spinning while
  they wait for each other (ten times less CPU time for the tutorials' training loops).
- :func:`figure` saves a matplotlib figure, drawn by a page's code block at build time,
  as a PNG under ``figures/`` in the built site and returns the ``<img>`` tag that shows it.
- ``<!-- api: PACKAGE -->`` on an API page expands to one mkdocstrings block per public
  module of that package, found in its source tree, so new modules appear without edits.
- Every ``python`` code block of a guide or tutorial page must run at build time
  (markdown-exec's ``exec="on"``); a block that does not is a build error.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NORSE_KERNELS", "reference")
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).parent))
sys.modules.setdefault("norse_docs", sys.modules[__name__])

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402
from rst_markdown import to_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "packages" / "norse-core" / "src",
    ROOT / "packages" / "norse-cuda" / "src",
    ROOT / "packages" / "norse-nir" / "src",
    ROOT / "packages" / "norse-tasks" / "src",
    ROOT / "packages" / "norse-viz" / "src",
    ROOT / "examples" / "norse-plugin-example" / "src",
]
EXECUTED_SECTIONS = ("index.md", "installation.md", "quickstart.md", "concepts.md", "neurons.md")
"""Pages (besides ``tutorials/`` and ``guides/``) whose python blocks must run."""

_API = re.compile(r"^<!-- api: ([\w.]+) -->$", re.MULTILINE)
_FENCE = re.compile(r"^(\s*)(`{3,})\s*(\w+)([^\n]*)$", re.MULTILINE)


class _Build:
    site_dir: ClassVar[Path | None] = None
    page_url: ClassVar[str] = ""
    figures: ClassVar[list[str]] = []
    page_started: ClassVar[float] = 0.0
    cpu_seconds: ClassVar[dict[str, float]] = {}


def on_config(config: Any) -> Any:
    _Build.site_dir = Path(config["site_dir"])
    _Build.figures = []
    _Build.cpu_seconds = {}
    return config


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    _Build.page_url = page.url
    _Build.page_started = time.process_time()
    path = page.file.src_uri
    if path.startswith(("tutorials/", "guides/")) or path in EXECUTED_SECTIONS:
        _check_executed(markdown, path)
    return _API.sub(lambda m: api_blocks(m.group(1)), markdown)


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    _Build.cpu_seconds[page.file.src_uri] = time.process_time() - _Build.page_started
    return html


def on_post_build(config: Any) -> None:
    slowest = sorted(_Build.cpu_seconds.items(), key=lambda item: -item[1])[:5]
    print(
        f"norse docs: {len(_Build.figures)} figures generated at build time; "
        f"{len(_Build.cpu_seconds)} pages; slowest (CPU s): "
        + ", ".join(f"{path} {seconds:.1f}" for path, seconds in slowest),
        file=sys.stderr,
    )


def _check_executed(markdown: str, path: str) -> None:
    """Raise unless every python fence runs (``exec="on"``) or only includes a tested file.

    A fence whose body is nothing but ``--8<--`` snippet lines shows a file of the
    repository (the example plugin's sources), which that package's own tests run.
    """
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        _, ticks, language, options = match.groups()
        end = i + 1
        while end < len(lines) and lines[end].strip() != ticks:
            end += 1
        body = [line.strip() for line in lines[i + 1 : end] if line.strip()]
        executed = re.search(r'exec="(on|1|true)"', options)
        included = body and all(line.startswith("--8<--") for line in body)
        if language in ("python", "py", "pycon") and not (executed or included):
            raise PluginError(
                f"{path}: a python code block does not run at build time; add "
                f'exec="on" (markdown-exec) to: {lines[i].strip()}'
            )
        i = end + 1


def _public_modules(package: str) -> list[str]:
    """Dotted names of ``package`` and its public submodules, in a stable order."""
    for source in SOURCES:
        top = source.joinpath(*package.split("."))
        if top.is_dir():
            break
    else:
        raise PluginError(f"api: package {package!r} not found under {SOURCES}")
    names = []
    for path in sorted(top.rglob("*.py")):
        parts = path.relative_to(source).with_suffix("").parts
        if any(part.startswith("_") for part in parts[:-1]):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        elif parts[-1].startswith("_") or parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return sorted(names, key=lambda name: (name.count("."), name))


def api_blocks(package: str) -> str:
    """One mkdocstrings block per public module of ``package`` (the package itself first)."""
    blocks = []
    for name in _public_modules(package):
        if name == package:
            blocks.append(f"::: {name}\n    options:\n      members: false\n")
        else:
            blocks.append(f"::: {name}\n")
    return "\n".join(blocks)


def figure(fig: Any, name: str, alt: str) -> str:
    """Save ``fig`` as ``figures/NAME.png`` in the built site; return the ``<img>`` tag.

    Called by code blocks at build time (``print(figure(fig, "lif", "LIF trace"))``); the
    figure is closed afterwards.
    """
    import matplotlib.pyplot as plt

    if _Build.site_dir is None:
        raise RuntimeError("figure() is only available while mkdocs builds the site")
    if not re.fullmatch(r"[\w-]+", name) or name in _Build.figures:
        raise ValueError(f"figure name must be a new [A-Za-z0-9_-] name, got {name!r}")
    target = _Build.site_dir / "figures" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=100, bbox_inches="tight")
    plt.close(fig)
    _Build.figures.append(name)
    src = get_relative_url(f"figures/{name}.png", _Build.page_url)
    return f'<img src="{src}" alt="{alt}" class="norse-figure" loading="lazy">'


def command(line: str, tail: int | None = None) -> str:
    """Run a ``norse ...`` command line in this process; return it and its output as Markdown.

    In-process (``norse.cli.main``), so that a page does not pay for a new Python with torch.
    ``tail`` keeps only the output's last lines (after a ``...`` line), for long progress logs.

    Raises:
        RuntimeError: if the command exits with a non-zero status (the build then fails).
    """
    import contextlib
    import io
    import shlex

    from norse.cli import main

    argv = shlex.split(line)
    if argv[0] != "norse":
        raise ValueError(f"command() runs norse command lines only, got {line!r}")
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            status = main(argv[1:])
        except SystemExit as exit_:  # argparse's --help and usage errors exit
            status = exit_.code
    if status:
        raise RuntimeError(f"`{line}` exited with status {status}:\n{output.getvalue()}")
    lines = output.getvalue().rstrip().splitlines()
    if tail is not None and len(lines) > tail:
        lines = ["...", *lines[-tail:]]
    text = "\n".join(lines)
    return f"```console\n$ {line}\n{text}\n```\n"


def docstring_markdown(obj: Any) -> str:
    """The docstring of ``obj`` (a module, class or function) as Markdown."""
    import inspect

    return to_markdown(inspect.getdoc(obj) or "")
