"""``python -m autograd_scalar``: the command line (see :mod:`autograd_scalar.cli`)."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
