"""Pure computations for Trygg.

Nothing in this package imports Django: functions take and return plain tables
(Polars, pandas or Arrow) so they can be tested, benchmarked and used from a notebook.
"""
