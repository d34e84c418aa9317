"""Every exception neuron raises on purpose, in one place.

Each class names one kind of failure. Messages follow one pattern: what was
expected, what was got, and how to fix it, for example
``expected x of dtype float32 or float64, got int64; convert with
x.astype(np.float32)``.

The classes also derive from the closest built-in exception (``ValueError``,
``TypeError``, ``LookupError``), so callers that already catch those keep
working.
"""


class NeuronError(Exception):
    """Base class of every error neuron raises on purpose."""


# ---- input to numerical code -------------------------------------------


class InvalidArgumentError(NeuronError, ValueError):
    """An argument has a value the function cannot accept."""


class ShapeError(InvalidArgumentError):
    """An array has the wrong number of dimensions or the wrong sizes."""


class DTypeError(InvalidArgumentError, TypeError):
    """An array has a dtype the operation does not support."""


class DeviceError(InvalidArgumentError):
    """An array lives on a device the operation cannot use."""


class LayoutError(InvalidArgumentError):
    """An array's memory layout (strides) is not the one required."""


class ArrayTypeError(InvalidArgumentError, TypeError):
    """An argument is not an array type the operation accepts (a NumPy array
    or a PyTorch tensor)."""


class CudaUnavailableError(NeuronError, RuntimeError):
    """CUDA work was asked for but the engine was built without CUDA or no
    device is present."""


# ---- the store -----------------------------------------------------------


class StoreError(NeuronError):
    """Base class of errors raised by the SQLite store."""


class StoreClosedError(StoreError, RuntimeError):
    """An operation was called on a store that has been closed."""


class NotAStoreError(StoreError):
    """The file is not a SQLite database, or is one that another program made."""


class SchemaVersionError(StoreError):
    """The file was written by a newer neuron whose schema this code does not
    know; the file is left untouched."""


class NotFoundError(StoreError, LookupError):
    """No note, link or workspace object has the id, uid or name asked for."""


class AmbiguousReferenceError(StoreError, LookupError):
    """A uid prefix matches more than one note."""


class InvalidRecordError(StoreError, ValueError):
    """A value to be stored is of the wrong type or breaks a rule of the
    schema (a blank title, an unknown source kind, a bad object name)."""


class TooLargeError(InvalidRecordError):
    """A note body or a workspace object is larger than the store accepts."""


class RunStateError(StoreError, ValueError):
    """A run is not in the state the call needs: records added to a run that
    has finished, or a run finished twice."""


class QueryError(StoreError, ValueError):
    """A full-text search query is malformed."""


class ExportError(StoreError):
    """Notes cannot be exported to the folder asked for."""


class InvalidDocumentError(StoreError, ValueError):
    """A file being imported as a document cannot be read: a malformed or
    encrypted PDF, text that is not UTF-8, a file with no text at all."""


class UnsafePathError(StoreError, ValueError):
    """A path leads outside the folder the user chose (through ``..``, an
    absolute path elsewhere or a symbolic link), so it is not opened."""


class ImportFormatError(StoreError, ValueError):
    """A file being imported is not a note neuron can read.

    Attributes:
        file: the path of the offending file.
        position: the byte offset of the problem in the file, when known.
    """

    def __init__(self, message: str, *, file=None, position: int | None = None):
        super().__init__(message)
        self.file = file
        self.position = position


# ---- text, corpora and word vectors ---------------------------------------


class UnknownWordError(NeuronError, KeyError):
    """One or more words are not in the vocabulary.

    Attributes:
        words: the unknown words, in the order they were asked for.
    """

    def __init__(self, words: list[str], message: str | None = None) -> None:
        self.words = list(words)
        named = ", ".join(repr(w) for w in self.words)
        super().__init__(
            message
            or f"expected words in the vocabulary, got unknown {named}; "
            "check the spelling or train with a lower min_count"
        )

    def __str__(self) -> str:
        # KeyError would print the message with quotes around it.
        return str(self.args[0])


class EmptyVocabularyError(NeuronError, ValueError):
    """Building a vocabulary left no word (the corpus is empty or min_count
    is higher than every count)."""


class VocabularyFormatError(NeuronError, ValueError):
    """A vocabulary file is missing, damaged or not in the format neuron
    writes; the message names the file and the line."""


class CorpusError(NeuronError, ValueError):
    """A corpus cannot be read: a missing file, an unreadable format, bad
    encoding (the message names the file and the byte position)."""


class DataFileError(NeuronError, ValueError):
    """A word-vector file, an analogy set or a similarity set is malformed.

    Attributes:
        file: the path of the offending file.
        line: the 1-based line number of the problem, when known.
    """

    def __init__(self, message: str, *, file=None, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line


class DownloadError(NeuronError, RuntimeError):
    """A download failed or did not produce the expected file."""


class UnknownDatasetError(NeuronError, LookupError):
    """No dataset of that name is in the registry; the message lists the
    names there are."""


class OfflineError(DownloadError):
    """The network cannot be reached; the message says how to get the file
    by other means."""


class ChecksumError(DownloadError):
    """A downloaded file's size or SHA-256 differs from the expected one; the
    file is not kept."""


# ---- training ------------------------------------------------------------


class CheckpointError(NeuronError, ValueError):
    """A checkpoint cannot be resumed from: the file is missing or damaged,
    or it belongs to another model or another number of processes."""


class DivergenceError(NeuronError, ArithmeticError):
    """The training loss became NaN or infinite; the message names the step
    and what usually helps (a lower learning rate, gradient clipping)."""


# ---- the static site -----------------------------------------------------


class SiteError(NeuronError, RuntimeError):
    """The static site cannot be written: a lesson's cell raised, a lesson
    asked for does not exist, or the output folder holds other files; no
    page of the site is left half-written."""
