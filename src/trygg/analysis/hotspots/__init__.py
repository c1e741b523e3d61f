"""Hot spots: Getis-Ord Gi* with conditional permutation inference and FDR control.

The statistic and its analytical z-value are the ones PySAL's ``esda.G_Local(star=True)``
computes (tests check equality on libpysal's Columbus data). Inference is by conditional
randomisation: for unit ``i`` the value at ``i`` is held fixed and its ``k_i`` neighbours
are replaced by ``k_i`` units drawn without replacement from the other ``n - 1``; the
pseudo p-value is the share of draws at least as extreme as the observed statistic. As in
esda, one table of draws ``(permutations, max k)`` is shared by all units and mapped onto
"the other n - 1 units" of each one, which is what keeps the work proportional to the
number of draws instead of ``n`` per unit (esda copies the whole array per unit: O(n²)).

Two kernels, neither needs a JIT compiler:

* ``_counts_gather`` -- the direct O(n·k·P) kernel: gathers every unit's drawn neighbour
  values with numpy, in chunks. Handles any weights. With ``mapping="shift"`` it maps draws
  onto the other units exactly as esda does, which the tests use to reproduce esda's
  p-values draw for draw.
* ``_counts_equal_weights`` -- the fast path for weights that are equal within each row
  (binary contiguity, H3 rings, and their row-standardised forms): it maps draw ``j`` to unit
  ``j`` except that the unit itself is swapped for the last unit. Then every unit of the
  same cardinality shares one base sum per permutation, except for the at most ``P·k`` units
  that a draw touches, so counting is a sort plus a binary search per unit:
  O(P·k·log P + n·log P). Both mappings are uniform over the other ``n - 1`` units, so the
  null distribution is the same as esda's; the tests check the two kernels against each
  other and against esda statistically.

p-values are corrected for the many units tested with Benjamini–Hochberg q-values; a unit
is ``hot`` (``cold``) when its q-value is at most ``alpha`` and its z is positive (negative).

By default the number of draws adapts to each unit (sequential Monte Carlo p-values, Besag &
Clifford 1991; ADR 0012): every unit gets 999 draws, and a unit keeps drawing, in rounds
that grow tenfold, until :data:`SEQUENTIAL_TAIL` draws were at least as extreme as its
statistic or the cap of :func:`permutation_cap` is reached. A fixed count can never flag a
small cluster among many units: the two-sided p-value cannot go below ``2/(P + 1)``, and
Benjamini–Hochberg over ``m`` units needs ``p <= k·alpha/m`` for a cluster of ``k``. The cap
is set so that a cluster of ``smallest_cluster`` units beyond every draw passes with a
margin of two; the units that need it are few, so the extra draws cost little.
"""

from __future__ import annotations

from .areas import MoranResult, area_hotspots, morans_i
from .emerging import (
    CATEGORIES as EMERGING_CATEGORIES,
)
from .emerging import (
    classify_emerging,
    emerging_hotspots,
    h3_emerging_hotspots,
    mann_kendall,
)
from .fdr import benjamini_hochberg
from .gi import DEFAULT_PERMUTATIONS, DEFAULT_SEED, gi_star, permutation_cap, ring_size
from .grid import h3_hotspots

__all__ = [
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_SEED",
    "EMERGING_CATEGORIES",
    "MoranResult",
    "area_hotspots",
    "benjamini_hochberg",
    "classify_emerging",
    "emerging_hotspots",
    "gi_star",
    "h3_emerging_hotspots",
    "h3_hotspots",
    "mann_kendall",
    "morans_i",
    "permutation_cap",
    "ring_size",
]
