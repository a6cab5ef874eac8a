"""Errors a user can cause. The CLI turns each into a one-line message and exit code 2."""


class WordvecError(Exception):
    """Base class: the message alone must tell the user what is wrong and where."""


class ParameterError(WordvecError, ValueError):
    """A parameter is outside its allowed range."""


class CorpusError(WordvecError):
    """The corpus cannot be read or holds nothing to train on."""


class ModelFormatError(WordvecError):
    """A model or vector file is malformed; it is rejected, never executed."""


class TrainingDiverged(WordvecError):
    """The loss or the weights became infinite or NaN (the learning rate is too large).
    The weights are unusable; nothing is saved over the last good checkpoint."""


class SaveInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) while a file or model folder was being saved: the save was
    abandoned and the previous one is unchanged; the message says so, naming the path."""
