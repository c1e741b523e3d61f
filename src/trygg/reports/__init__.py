"""Reports: analysis runs, the annual report (HTML and PDF), its publication and results.

The renderer (:mod:`trygg.analysis.report.render`) is plain Python with no Django import,
so ``trygg analyze`` can produce the report from files without a database or settings.
"""
