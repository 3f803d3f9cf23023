"""python -m services.awards: run the awards service."""

from services.awards.app import create_app
from services.awards.config import Settings
from thidua.runtime.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
