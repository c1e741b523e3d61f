"""Write the shipped QGIS/SLD styles of the problem index for the standard questionnaire
(docs/qgis/); tests/analysis/test_gis_export.py checks they are current.

    PYTHONPATH=src python scripts/qgis_styles.py
"""

from __future__ import annotations

from pathlib import Path

from trygg.analysis.gis_export import standard_styles

DOCS = Path(__file__).resolve().parents[1] / "docs" / "qgis"

if __name__ == "__main__":
    for name, text in standard_styles().items():
        (DOCS / name).write_text(text, encoding="utf-8")
