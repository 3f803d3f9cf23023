"""`python -m thidua.cli`: the operator's command line, now thidua.operator.cli (kept for callers and scripts)."""

import sys

from thidua.operator.cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
