"""docs/differences-from-norse-1.md names a test for every deliberate difference: each named
test file and test function exists (in this monorepo's packages)."""

import pathlib
import re

DOC = pathlib.Path(__file__).parents[1] / "docs" / "differences-from-norse-1.md"
PACKAGES = pathlib.Path(__file__).parents[2]

# `tests/oracle/test_x.py::test_y`, `test_x.py`, or `::test_y` (in the file named last)
REFERENCE = re.compile(r"`((?:[\w.-]+/)*test_\w+\.py)?(?:::(\w+))?`")


def _references() -> list[tuple[str, str | None]]:
    found, current = [], None
    for match in REFERENCE.finditer(DOC.read_text()):
        path, name = match.groups()
        if path is None and name is None:
            continue
        current = path or current
        assert current is not None, f"`::{name}` before any test file in {DOC.name}"
        found.append((current, name))
    return found


def test_every_named_test_exists():
    references = _references()
    assert len(references) > 50
    missing = []
    for path, name in references:
        files = [f for f in PACKAGES.glob("*/tests/**/*.py") if f.as_posix().endswith(path)]
        if not files:
            missing.append(path)
        elif name and not any(re.search(rf"def {name}\b", f.read_text()) for f in files):
            missing.append(f"{path}::{name}")
    assert not missing, f"{DOC.name} names tests that do not exist: {sorted(set(missing))}"
