"""The error types of xpsfit: one for unreadable input, one for an unusable fit specification."""

from __future__ import annotations


class XpsfitError(Exception):
    """Base class of every error xpsfit raises on purpose for bad input."""


class ParseError(XpsfitError):
    """An input file could not be read.

    Parameters
    ----------
    message
        What is wrong, in words a user understands.
    file
        The file being read, if known.
    line
        1-based line number (or record number for binary files), if known.
    field
        The field or keyword that was being read, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        what = f" ({self.field})" if self.field else ""
        return f"{where}: {self.message}{what}"


class SpecError(XpsfitError):
    """A fit specification, template or library file is invalid.

    Parameters
    ----------
    message
        What is wrong.
    source
        The file or object the specification came from, if known.
    key
        The offending key (dotted path such as ``components.Co3+.center``), if known.
    """

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None) -> None:
        self.message = message
        self.source = source
        self.key = key
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.key) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class FitError(XpsfitError):
    """A spectrum cannot be fitted (too few points, no finite data, empty window...)."""
