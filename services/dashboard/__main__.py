"""`python -m services.dashboard`: serve the dashboard (WEB_HTTP_HOST, WEB_HTTP_PORT) like `thidua dashboard`."""

from __future__ import annotations

import sys

from thidua.cli import main

if __name__ == "__main__":
    sys.exit(main(["dashboard"]))
