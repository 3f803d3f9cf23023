"""python -m services.scoring: run the scoring service."""

from services.scoring.app import create_app
from services.scoring.config import Settings
from thidua.runtime.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
