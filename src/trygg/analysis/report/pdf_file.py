"""Render a written ``report.html`` to ``report.pdf`` next to it, in a process of its own.

``trygg analyze`` (``--pdf later``, the default) starts this after the tables and the HTML
report are in place, so the command returns without waiting for WeasyPrint (seconds for a
municipality, longer for a national report). The PDF is written to a temporary name and
renamed, so ``report.pdf`` is either absent or whole; if rendering fails the reason is in
``report.pdf.error.txt``. A PDF whose HTML was replaced meanwhile (a newer run into the
same folder) is thrown away.

    python -m trygg.analysis.report.pdf_file OUT_FOLDER
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

PDF_NAME = "report.pdf"
ERROR_NAME = "report.pdf.error.txt"


def start_in_background(folder: Path) -> Path:
    """Start rendering ``folder/report.html`` to ``folder/report.pdf`` in a detached
    process; return the path the PDF will have."""
    folder = Path(folder).resolve()
    subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "trygg.analysis.report.pdf_file", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: the PDF is finished even if the terminal that ran
        # `trygg analyze` is closed right after it returned.
        start_new_session=True,
        close_fds=True,
    )
    return folder / PDF_NAME


def render_folder(folder: Path) -> Path | None:
    """Render ``folder/report.html`` to ``folder/report.pdf``; None if the HTML changed
    while rendering (the PDF would not match the folder's other files)."""
    from .render import render_report_pdf

    folder = Path(folder)
    html_path = folder / "report.html"
    html = html_path.read_bytes()
    pdf = render_report_pdf(html.decode("utf-8"))
    tmp = folder / f".{PDF_NAME}.tmp-{os.getpid()}"
    tmp.write_bytes(pdf)
    try:
        if not html_path.exists() or html_path.read_bytes() != html:
            tmp.unlink()
            return None
        os.replace(tmp, folder / PDF_NAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return folder / PDF_NAME


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    folder = Path(args[0])
    try:
        render_folder(folder)
    except Exception:
        (folder / ERROR_NAME).write_text(traceback.format_exc(), encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
