"""The exceptions storyhash raises, one class per kind of failure.

Every class derives from :class:`StoryhashError`, and also from the built-in
exception a Python user would catch for that kind of failure (``OSError`` for
files that cannot be read or written, ``ValueError`` for bad records and bad
settings). The message is the one the command-line tool prints after
``storyhash: ``.
"""


class StoryhashError(Exception):
    """Any failure of the storyhash pipeline."""


class UnreadableInputError(StoryhashError, OSError):
    """An input could not be opened or read (exit status 1 on the command line)."""


class BadInputError(StoryhashError, ValueError):
    """A record, or an input as a whole, is not what the tool reads; the message names the input and line."""


class BadSettingError(StoryhashError, ValueError):
    """An option is out of range or does not fit the inputs (exit status 2 on the command line)."""


class RefusedOutputError(StoryhashError, OSError):
    """An output was refused before any work (it would overwrite an input)."""


class UnwritableOutputError(StoryhashError, OSError):
    """An output could not be written."""


__all__ = [
    "StoryhashError",
    "UnreadableInputError",
    "BadInputError",
    "BadSettingError",
    "RefusedOutputError",
    "UnwritableOutputError",
]
