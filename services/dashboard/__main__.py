"""`python -m services.dashboard`: serve the dashboard (WEB_HTTP_HOST, WEB_HTTP_PORT) as `thidua dashboard` does."""

from thidua import registry
from thidua.runtime.serve import serve

if __name__ == "__main__":
    # Through its registration, as `thidua dashboard` runs it: the same app, settings and logs.
    spec = registry.service("dashboard")
    serve(spec.create_app, spec.settings())
