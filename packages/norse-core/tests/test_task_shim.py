import sys

import pytest


def test_norse_task_without_norse_tasks_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "norse_tasks", None)  # import of norse_tasks fails
    import norse.task

    with pytest.raises(ImportError, match="pip install norse-tasks"):
        norse.task.cartpole  # noqa: B018
