"""`python -m thidua.web`: serve the dashboard with uvicorn (WEB_HTTP_HOST, WEB_HTTP_PORT)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from thidua.web.app import create_app
from thidua.web.settings import WebSettings


def main() -> int:
    """Run the dashboard until interrupted."""
    settings = WebSettings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(
        f"Thi đua dashboard on http://{settings.http_host}:{settings.http_port}/ "
        f"(scoring {settings.scoring_url}, awards {settings.awards_url}, notify {settings.notify_url})",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
