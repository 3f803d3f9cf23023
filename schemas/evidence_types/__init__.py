"""The v1 evidence types by family: each module holds its types' payload models and envelope classes."""
