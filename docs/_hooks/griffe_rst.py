"""A griffe extension that renders the reST inside Norse's docstrings as Markdown.

mkdocstrings loads it (``extensions:`` in ``mkdocs.yml``); every docstring griffe reads is
passed through :func:`rst_markdown.to_markdown` before it is parsed as Google style.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).parent))
from rst_markdown import to_markdown


class RstToMarkdown(griffe.Extension):
    """Rewrites each object's docstring with :func:`rst_markdown.to_markdown`."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
