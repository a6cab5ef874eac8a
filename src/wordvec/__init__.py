"""wordvec: fast, trustworthy word2vec."""
__version__ = "0.1.0"

from .callbacks import Callback, ProgressBar  # noqa: E402
from .corpus import Corpus  # noqa: E402
from .errors import CorpusError, ModelFormatError, ParameterError, WordvecError  # noqa: E402
from .training import Word2Vec  # noqa: E402
from .vectors import WordVectors  # noqa: E402

__all__ = [
    "Word2Vec", "WordVectors", "Corpus", "Callback", "ProgressBar",
    "WordvecError", "ParameterError", "CorpusError", "ModelFormatError", "__version__",
]
