"""The ``wordvec`` command line: one Click group, one module per family of commands."""
from .main import main, run

__all__ = ["main", "run"]
