"""Reading an uploaded file: what each kind must hold, detecting its encoding, separator
and columns, the preview, the first column mapping, the file with the mapping applied, and
reading failures as problems in the templates of :mod:`trygg.core.problems`."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from trygg.analysis.areas_io import load_areas
from trygg.analysis.bra_io import looks_like_bra
from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.population_io import jsonstat_cells, sniff
from trygg.analysis.tables import check_xlsx_size, text_encoding

from ..models import ImportKind, ImportUpload

#: What each kind of file must (and may) hold, in the contract's names (FORMATS.md).
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ImportKind.AREAS: (("code", "name"), ("parent_code", "population")),
    ImportKind.POPULATION: (("area_code", "year", "sex", "age_group", "count"), ()),
    ImportKind.SURVEY: (("respondent_id", "year", "area_code", "sex", "age_group"), ()),
    ImportKind.CRIMES: (
        ("id", "occurred_at", "category"),
        ("lat", "lon", "area_code", "occurred_to", "reported_at", "source"),
    ),
    # Read by Brå's own column names (trygg.analysis.bra_io), not by a mapping.
    ImportKind.CRIME_STATISTICS: ((), ()),
}

#: Column names that vendors and Swedish spreadsheets use for the contract's fields.
ALIASES: dict[str, tuple[str, ...]] = {
    "area_code": ("omrade", "område", "omradeskod", "områdeskod", "area", "deso", "regso"),
    "code": ("kod", "omradeskod", "områdeskod", "deso"),
    "name": ("namn", "omradesnamn", "områdesnamn"),
    "parent_code": ("parent", "stadsdel", "district"),
    "population": ("befolkning", "invanare", "invånare"),
    "year": ("ar", "år", "arsmatning", "årtal"),
    "sex": ("kon", "kön", "gender"),
    "age_group": ("alder", "ålder", "aldersgrupp", "åldersgrupp", "age"),
    "count": ("antal", "n"),
    "respondent_id": ("id", "respondent", "lopnummer", "löpnummer", "svarsid"),
    "id": ("anmalan", "anmälan", "diarienummer", "arende", "ärende"),
    "occurred_at": ("brottsdatum", "datum", "tid", "date", "datetime"),
    "category": ("kategori", "brottskategori", "brottstyp", "type"),
    "lat": ("latitud", "latitude", "y"),
    "lon": ("longitud", "longitude", "lng", "x"),
    "occurred_to": ("brottsdatum_till", "till"),
    "reported_at": ("anmalningsdatum", "anmälningsdatum"),
    "source": ("kalla", "källa"),
}

FILE_TYPES = {
    ImportKind.AREAS: ("geojson", "json", "gpkg"),
    ImportKind.POPULATION: ("csv", "txt", "xlsx", "json"),
    ImportKind.SURVEY: ("csv", "txt", "xlsx", "sav"),
    ImportKind.CRIMES: ("csv", "txt"),
    ImportKind.CRIME_STATISTICS: ("csv", "txt"),
}
PREVIEW_ROWS = 10


# ----------------------------------------------------------------------------- detection


def detect_text(raw: bytes) -> tuple[str, str]:
    """(encoding, text) of a sample: UTF-16 by its byte-order mark (Excel's "Unicode
    text"), UTF-8 (with or without BOM), else Windows-1252."""
    if text_encoding(raw) == "utf-16":
        sample = raw[: len(raw) - len(raw) % 2]
        text = sample.decode("utf-16", errors="replace")
        cut = text.rfind("\n")
        return "utf-16", text[: cut + 1] if cut > 0 else text
    cut = raw.rfind(b"\n")
    sample = raw[: cut + 1] if cut > 0 else raw
    try:
        return "utf-8-sig", sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "cp1252", sample.decode("cp1252", errors="replace")


def detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_preview(upload: ImportUpload) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows of the stored file, as the user sees them (nothing once
    the file was removed after its import)."""
    path = upload.path
    if not path.is_file():
        return [], []
    if upload.file_type in ("csv", "txt"):
        with path.open(encoding=upload.encoding or "utf-8-sig", errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=upload.delimiter or ",")
            try:
                rows = [row for _, row in zip(range(PREVIEW_ROWS + 1), reader, strict=False)]
            except csv.Error as exc:
                raise unreadable(upload, exc, line=reader.line_num + 1) from exc
    elif upload.file_type == "xlsx":
        # Heavy, and only for an XLSX file (and looked up at call time, so a test can
        # stand in for it).
        from openpyxl import load_workbook

        check_xlsx_size(path, file=upload.file_name)
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = [
                [_cell(v) for v in row]
                for row in sheet.iter_rows(max_row=PREVIEW_ROWS + 1, values_only=True)
            ]
        finally:
            book.close()
    elif upload.file_type == "json":
        # SCB's JSON-stat: its first cells, one a row, as the CSV export would list them.
        rows = [["region", "ålder", "kön", "år", "antal"]]
        for cell in jsonstat_cells(path, file=upload.file_name):
            if len(rows) > PREVIEW_ROWS:
                break
            rows.append([cell.region, cell.age, cell.sex, cell.year, _cell(cell.value)])
    elif upload.file_type == "sav":
        import pyreadstat  # heavy, and only for an SPSS file

        data, _meta = pyreadstat.read_sav(str(path), row_limit=PREVIEW_ROWS)
        rows = [list(data.columns)] + [[_cell(v) for v in r] for r in data.itertuples(index=False)]
    else:
        features = _area_collection(upload).get("features") or []
        keys: list[str] = []
        for feature in features[:50]:
            for key in feature.get("properties") or {}:
                if key not in keys:
                    keys.append(key)
        rows = [keys] + [
            [_cell((f.get("properties") or {}).get(k)) for k in keys]
            for f in features[:PREVIEW_ROWS]
        ]
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    return header, [r + [""] * (len(header) - len(r)) for r in rows[1:]]


def scb_format(upload: ImportUpload) -> str | None:
    """A file read by its publisher's own layout, with no column mapping: ``"jsonstat"`` or
    ``"pxcsv"`` for population as SCB's PX-Web gives it, ``"bra"`` for Brå's statistics."""
    if not upload.path.is_file():
        return None
    if upload.kind == ImportKind.CRIME_STATISTICS:
        return "bra" if looks_like_bra(upload.path) else None
    if upload.kind != ImportKind.POPULATION or upload.file_type not in ("csv", "txt", "json"):
        return None
    return sniff(upload.path)


def guess_mapping(kind: str, columns: list[str]) -> dict[str, str]:
    """Contract field -> column, for the columns whose names say what they hold."""
    required, optional = FIELDS[kind]
    lowered = {c.strip().lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for target in (*required, *optional):
        for name in (target, *ALIASES.get(target, ())):
            if name in lowered and lowered[name] not in mapping.values():
                mapping[target] = lowered[name]
                break
    return mapping


def renamed_header(upload: ImportUpload) -> list[str]:
    rename = {column: target for target, column in upload.mapping.items()}
    taken = set(rename.values())
    header = []
    for column in upload.columns:
        if column in rename:
            header.append(rename[column])
        elif column.strip().lower() in taken:
            header.append(f"original_{column}")  # keep it, out of the way of the mapped one
        else:
            header.append(column)
    return header


def normalised_file(upload: ImportUpload) -> Path:
    """The file with the mapping applied, as UTF-8 (written once, streamed row by row)."""
    if scb_format(upload):
        return upload.path  # read as it is, by its dimensions
    header = renamed_header(upload)
    if upload.file_type in ("geojson", "gpkg"):
        out = upload.directory / "normalised.geojson"
        # A GeoPackage becomes GeoJSON in its own coordinate system (named in its crs
        # member); the import reprojects it as it does any GeoJSON.
        data = _area_collection(upload)
        rename = dict(zip(upload.columns, header, strict=True))
        for feature in data.get("features") or []:
            props = feature.get("properties") or {}
            feature["properties"] = {rename.get(k, k): v for k, v in props.items()}
        out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return out
    out = upload.directory / "normalised.csv"
    delimiter = upload.delimiter or ","
    if (
        upload.file_type in ("csv", "txt")
        and header == upload.columns
        and upload.encoding in ("utf-8-sig", "utf-8")
    ):
        return upload.path  # already what the importers read: no second copy of a big file
    if upload.file_type == "sav" and header == upload.columns:
        return upload.path  # nothing to rename: keep the value labels of the .sav
    with out.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target, delimiter=delimiter)
        writer.writerow(header)
        if upload.file_type in ("csv", "txt"):
            with upload.path.open(encoding=upload.encoding or "utf-8-sig", newline="") as f:
                reader = csv.reader(f, delimiter=delimiter)
                try:
                    next(reader, None)
                    writer.writerows(reader)
                except (UnicodeError, csv.Error) as exc:
                    raise unreadable(upload, exc, line=reader.line_num + 1) from exc
        elif upload.file_type == "xlsx":
            from openpyxl import load_workbook  # heavy, and only for an XLSX file

            check_xlsx_size(upload.path, file=upload.file_name)
            book = load_workbook(upload.path, read_only=True, data_only=True)
            try:
                rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
                writer.writerows([_cell(v) for v in row] for row in rows)
            finally:
                book.close()
        else:
            import pyreadstat  # heavy, and only for an SPSS file

            data, _meta = pyreadstat.read_sav(str(upload.path))
            writer.writerows([_cell(v) for v in row] for row in data.itertuples(index=False))
    return out


ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
}
KIND_NAMES = {
    "csv": "CSV",
    "txt": "CSV",
    "xlsx": "XLSX",
    "sav": "SPSS",
    "geojson": "GeoJSON",
    "json": "JSON-stat",
    "gpkg": "GeoPackage",
}


def _area_collection(upload: ImportUpload) -> dict:
    if upload.file_type == "gpkg":
        return load_areas(upload.path, file=upload.file_name)
    return json.loads(upload.path.read_text(encoding="utf-8-sig"))


def _decode_error_line(upload: ImportUpload, encoding: str) -> int | None:
    """The line of the first byte that is not text in ``encoding`` (the text layer reads
    ahead, so the reader's own count may be past it)."""
    raw = upload.path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
    return None


def unreadable(upload: ImportUpload, exc: Exception, *, line: int | None = None) -> InputError:
    """A reading failure as a problem naming the file, the line and the reason in the
    templates of :mod:`trygg.core.problems`: never the exception's own text."""
    name = upload.file_name
    if isinstance(exc, InputError):
        return exc.renamed(upload.path.name, name)
    if isinstance(exc, UnicodeError):
        encoding = upload.encoding or "utf-8-sig"
        label = ENCODING_NAMES.get(encoding, encoding)
        return InputError(
            RowProblem(
                file=name,
                line=_decode_error_line(upload, encoding) or line,
                reason=f"the file is not {label} text; choose the encoding it was saved in "
                "and check it again",
            )
        )
    if isinstance(exc, csv.Error):
        text = str(exc)
        if "NUL" in text:
            reason = (
                "the line holds a NUL character, so the file is not text in the chosen "
                "encoding (is it UTF-16?)"
            )
        elif "field limit" in text:
            reason = f"a field is longer than {csv.field_size_limit()} characters"
        else:
            reason = "the line cannot be read as CSV"
        return InputError(RowProblem(file=name, line=line, reason=reason))
    kind = KIND_NAMES.get(upload.file_type, upload.file_type.upper())
    return InputError(
        RowProblem(
            file=name,
            reason=f"the file cannot be read as {kind}; save it again and upload it again",
        )
    )
