"""`python -m bench`: the whole benchmark table (see bench/run.py)."""

from bench.run import main

raise SystemExit(main())
