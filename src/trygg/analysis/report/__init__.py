"""The annual report: HTML and PDF from the analysis results, with inline SVG charts.

Plain Python like the rest of :mod:`trygg.analysis`: ``trygg analyze`` renders it from files
without Django. :mod:`.render` is the entry point, :mod:`.sections` builds the parts,
:mod:`.texts` holds the words (sv, en), :mod:`.charts` draws the SVG.
"""
