"""The PDF rendered after the tables (issue 16, item 10): `trygg analyze` returns once the
tables and report.html are written, says where the PDF will appear, and a background
process puts a whole report.pdf there (never a half-written one, never one for an HTML
that a newer run replaced)."""

from __future__ import annotations

import time

from click.testing import CliRunner

from trygg.analysis.report import pdf_file
from trygg.cli import main
from trygg.demo.synth import generate_municipality, write_demo_files

HTML = "<!doctype html><html><body><h1>Rapport</h1><p>Trygg</p></body></html>"


def test_render_folder_writes_the_pdf_next_to_the_html(tmp_path):
    (tmp_path / "report.html").write_text(HTML, encoding="utf-8")
    assert pdf_file.render_folder(tmp_path) == tmp_path / "report.pdf"
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert {p.name for p in tmp_path.iterdir()} == {"report.html", "report.pdf"}


def test_a_pdf_for_replaced_html_is_thrown_away(tmp_path, monkeypatch):
    (tmp_path / "report.html").write_text(HTML, encoding="utf-8")
    from trygg.analysis.report import render

    real = render.render_report_pdf

    def newer_run_meanwhile(html: str) -> bytes:
        (tmp_path / "report.html").write_text(HTML.replace("Trygg", "Nyare"), encoding="utf-8")
        return real(html)

    monkeypatch.setattr(render, "render_report_pdf", newer_run_meanwhile)
    assert pdf_file.render_folder(tmp_path) is None
    assert {p.name for p in tmp_path.iterdir()} == {"report.html"}


def test_a_failure_is_written_beside_the_html(tmp_path):
    assert pdf_file.main([str(tmp_path)]) == 1  # no report.html
    assert "report.html" in (tmp_path / pdf_file.ERROR_NAME).read_text(encoding="utf-8")
    assert not (tmp_path / "report.pdf").exists()


def test_analyze_returns_before_the_pdf_and_says_where_it_will_appear(tmp_path):
    paths = write_demo_files(generate_municipality(), tmp_path / "in")
    crimes = tmp_path / "in" / "brott.csv"
    rows = [f"{i},2025-0{1 + i % 9}-1{i % 9}T12:00:00Z,theft,62.39{i},17.30{i}" for i in range(9)]
    crimes.write_text("id,occurred_at,category,lat,lon\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["analyze", "--areas", str(paths["areas"]), "--population", str(paths["population"]),
         "--crimes", str(crimes), "--out", str(out), "--permutations", "99"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"will appear as {out.resolve() / 'report.pdf'}" in result.output
    assert (out / "report.html").exists() and (out / "crime_rates.csv").exists()
    deadline = time.monotonic() + 300  # a loaded machine; usually a second or two
    while not (out / "report.pdf").exists() and time.monotonic() < deadline:
        assert not (out / pdf_file.ERROR_NAME).exists(), (out / pdf_file.ERROR_NAME).read_text()
        time.sleep(0.2)
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
