"""``python -m norse``: the ``norse`` command."""

import sys

from norse.cli import main

if __name__ == "__main__":
    sys.exit(main())
