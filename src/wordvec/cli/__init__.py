"""The ``wordvec`` command line: one Click group, one module per family of commands."""
from .main import main

__all__ = ["main"]
