"""Input errors that name the file, line, column and reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one place in an input file.

    ``line`` is the 1-based line in the file as a text editor counts it (the header of a
    CSV is line 1), or the 0-based feature index for GeoJSON (``feature`` is then set).
    """

    file: str
    reason: str
    line: int | None = None
    column: str | None = None
    feature: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}"


class InputError(ValueError):
    """Raised when an input file cannot be used; carries every problem found."""

    def __init__(self, problems: list[RowProblem] | RowProblem):
        if isinstance(problems, RowProblem):
            problems = [problems]
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: list[RowProblem] = list(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first if not more else f"{first} (and {more} more problems)")

    @property
    def first(self) -> RowProblem:
        return self.problems[0]

    def renamed(self, stored_name: str, shown_name: str) -> InputError:
        """The same problems naming the file as the user knows it (an upload's own name)."""
        if stored_name == shown_name:
            return self
        return InputError(
            [
                RowProblem(
                    **{**p.__dict__, "file": shown_name if p.file == stored_name else p.file}
                )
                for p in self.problems
            ]
        )
