"""python -m services.evidence: run the evidence service."""

from services.evidence.app import create_app
from services.evidence.config import Settings
from thidua.runtime.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
