"""python -m services.notify: run the notify service."""

from services.notify.app import create_app
from services.notify.config import Settings
from thidua.runtime.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
