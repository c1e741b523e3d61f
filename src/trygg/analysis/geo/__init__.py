"""Where things are: points in areas, area neighbours and the H3 grid.

Everything here is vectorised, because the same code places one observation from a phone
and fifteen million reported crimes from a national extract:

* :class:`AreaLocator` answers "which area is this point in?" for arrays of points with one
  STRtree query per chunk instead of a loop over polygons.
* :func:`contiguity_weights` builds queen or rook neighbours from the area polygons.
* :func:`h3_cells` and :func:`h3_neighbours` put points on an H3 grid and link each cell to
  its k-ring, for hot spots that do not depend on how the area borders were drawn.

Neighbour structures are returned as :class:`Neighbours`, a compressed sparse row (CSR)
table that :mod:`trygg.analysis.hotspots` consumes directly.
"""

from __future__ import annotations

from .grid import h3_cell_names, h3_cells, h3_cells_covering, h3_neighbours
from .locate import AreaLocator
from .neighbours import Neighbours, contiguity_weights

__all__ = [
    "AreaLocator",
    "Neighbours",
    "contiguity_weights",
    "h3_cell_names",
    "h3_cells",
    "h3_cells_covering",
    "h3_neighbours",
]
