"""Turn the reStructuredText that Norse's docstrings use into Markdown for the site.

Norse's docstrings are Google style with a few reST constructs inside: inline literals
(````x````), roles (``:class:`LIF```), ``.. math::`` blocks, literal blocks introduced by
``::``, simple tables (``====  ====``) and escaped spaces (``\\ ``). :func:`to_markdown`
rewrites exactly those, so that mkdocstrings (and the neuron gallery, which shows module
docstrings) render them as code, MathJax and tables. Everything else is left alone.
"""

from __future__ import annotations

import re

__all__ = ["to_markdown"]

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|obj|exc|const):`~?([^`]+)`")
_LITERAL = re.compile(r"(?<!`)``(?!`)([^`]+?)``(?!`)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], start: int, base: int) -> int:
    """The index after the block indented deeper than ``base`` starting at ``start``."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _language(body: list[str]) -> str:
    first = next((line.strip() for line in body if line.strip()), "")
    if first.startswith("["):
        return "toml"
    if first.startswith("$"):
        return "console"
    return "python"


def _table(rows: list[str]) -> list[str]:
    """A reST simple table (``===`` rule, header, ``===``, rows, ``===``) as a Markdown table."""
    rule = rows[0].rstrip()
    starts = [m.start() for m in re.finditer(r"=+", rule)]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    body = [row for row in rows[1:] if row.strip() and not set(row.strip()) <= {"=", " "}]

    def cells(row: str) -> str:
        return "| " + " | ".join(_inline(row[a:b].strip()) for a, b in bounds) + " |"

    out = [cells(body[0]), "|" + "---|" * len(bounds)]
    out += [cells(row) for row in body[1:]]
    return out


def _inline(line: str) -> str:
    return _ROLE.sub(lambda m: f"``{m.group(1)}``", line).replace("\\ ", "")


def to_markdown(text: str) -> str:
    """Rewrite the reST constructs of a docstring (see the module docstring) as Markdown."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        pad = " " * _indent(line)
        if stripped.startswith(".. math::"):
            end = _block(lines, i + 1, _indent(line))
            math = [row.strip() for row in lines[i + 1 : end] if row.strip()]
            out += [f"{pad}$$", *(f"{pad}{row}" for row in math), f"{pad}$$"]
            i = end
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            end = _block(lines, i + 1, _indent(line))
            body = lines[i + 1 : end]
            head = _inline(line.rstrip()[:-1]) if stripped != "::" else ""
            if head.strip():
                out.append(head)
            if any(row.strip() for row in body):
                inner = min(_indent(row) for row in body if row.strip())
                fence = [row[inner:] if row.strip() else "" for row in body]
                while fence and not fence[0]:
                    fence.pop(0)
                out += ["", f"{pad}```{_language(fence)}", *(pad + row for row in fence)]
                out += [f"{pad}```", ""]
            i = end
            continue
        if stripped and set(stripped) <= {"=", " "} and stripped.count("=") > 3:
            end = i + 1
            rules = 1
            while end < len(lines) and rules < 3:
                if lines[end].strip() and set(lines[end].strip()) <= {"=", " "}:
                    rules += 1
                end += 1
            out += ["", *(pad + row for row in _table(lines[i:end])), ""]
            i = end
            continue
        out.append(_inline(line))
        i += 1
    return _LITERAL.sub(lambda m: f"`{m.group(1)}`", "\n".join(out))
