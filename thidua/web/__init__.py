"""The web dashboard: server-rendered Vietnamese pages over the services' public HTTP APIs."""

from thidua.web.app import create_app
from thidua.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
