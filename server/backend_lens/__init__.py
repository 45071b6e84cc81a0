"""Backend Lens: reviews backend Python code while it is written."""

__version__ = "0.1.0"
