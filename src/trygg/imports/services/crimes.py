"""The guided import of a police extract (crime CSV)."""

from __future__ import annotations

import hashlib
import json

import polars as pl

from trygg.analysis.crime import CrimeFile, _check_duplicate_columns, validate_crimes
from trygg.analysis.errors import InputError, RowProblem
from trygg.areas.models import Area, AreaLevel

from ..models import ImportUpload
from .reading import renamed_header, unreadable

# A police extract can have a million rows. Its mapping is applied while the file is read
# (the columns are renamed as Polars parses them; no second copy of the file is written),
# and the validated table is kept as Parquet in the upload's folder, so that the import
# reads the file's rows once more only if the file, its reading settings or the areas
# changed since the check.

VALIDATED = "validated.parquet"
VALIDATED_KEY = "validated.json"


def _leaf_codes(municipality) -> list[str]:
    return sorted(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).values_list(
            "code", flat=True
        )
    )


def _validation_key(upload: ImportUpload, leaf_codes: list[str]) -> dict:
    """What the validated table depends on: the file, how it is read, and the areas."""
    return {
        "sha256": upload.sha256,
        "mapping": upload.mapping,
        "columns": upload.columns,
        "delimiter": upload.delimiter,
        "encoding": upload.encoding,
        "areas": hashlib.sha256("\n".join(leaf_codes).encode()).hexdigest(),
    }


def read_crimes_mapped(upload: ImportUpload, *, leaf_codes: list[str]):
    """Read and validate the uploaded crime CSV with the column mapping applied as Polars
    parses it. Raises InputError with every problem (file, line, column, reason)."""
    name = upload.file_name
    header = [h.lstrip("\ufeff").strip().lower() for h in renamed_header(upload)]
    _check_duplicate_columns(name, header)
    utf8 = (upload.encoding or "utf-8-sig").replace("-sig", "") in ("utf-8", "utf8")
    try:
        frame = pl.read_csv(
            upload.path,
            separator=upload.delimiter or ",",
            infer_schema=False,
            encoding="utf8" if utf8 else upload.encoding,
            truncate_ragged_lines=False,
            new_columns=header,
        )
    except UnicodeError as exc:
        raise unreadable(upload, exc) from exc
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise InputError(
            RowProblem(file=name, reason=f"the file cannot be read as CSV ({exc})")
        ) from exc
    if frame.width != len(header):
        raise InputError(RowProblem(file=name, line=1, reason="the header changed since upload"))
    # Line numbers as the file counts them (header = 1; a newline quoted inside a field
    # adds a line); blank lines are numbered, then dropped.
    newlines = pl.sum_horizontal(
        [pl.col(c).fill_null("").str.count_matches("\n") for c in frame.columns]
    )
    frame = frame.with_columns(
        (
            pl.int_range(pl.len(), dtype=pl.Int64) + 2 + newlines.cum_sum().shift(1, fill_value=0)
        ).alias("line")
    )
    blank = pl.all_horizontal(
        [pl.col(c).fill_null("").str.strip_chars() == "" for c in frame.columns if c != "line"]
    )
    return validate_crimes(frame.filter(~blank), file=name, areas=leaf_codes)


def crimes_validated(upload: ImportUpload, *, progress) -> object:
    """The validated crime table: the one kept by the check when it still applies, else
    the file read and checked again (and kept)."""
    leaf_codes = _leaf_codes(upload.municipality)
    key = _validation_key(upload, leaf_codes)
    table, key_file = upload.directory / VALIDATED, upload.directory / VALIDATED_KEY
    if table.is_file() and key_file.is_file():
        kept = json.loads(key_file.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return CrimeFile(
                crimes=pl.read_parquet(table),
                rejected=pl.DataFrame(schema=_rejected_schema()),
                excluded=kept.get("excluded", 0),
                file=upload.file_name,
            )
    progress("read", 0.1)
    crime_file = read_crimes_mapped(upload, leaf_codes=leaf_codes)
    crime_file.crimes.write_parquet(table, compression="lz4")
    key_file.write_text(json.dumps({"key": key, "excluded": crime_file.excluded}), encoding="utf-8")
    return crime_file


def _rejected_schema() -> dict:
    return {"line": pl.Int64, "column": pl.String, "reason": pl.String, "id": pl.String}


def forget_validated(upload: ImportUpload) -> None:
    for name in (VALIDATED, VALIDATED_KEY):
        (upload.directory / name).unlink(missing_ok=True)
