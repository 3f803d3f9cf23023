"""Moved to thidua.operator.localinfra; these modules re-export what other parts' tests still import (issue 28)."""
