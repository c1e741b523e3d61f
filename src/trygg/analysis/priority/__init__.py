"""Priority ranking: one score per area from standardised components, with rank intervals.

The seed's process is "the annual survey together with police statistics points out the
areas to prioritise". This module does that step, openly:

1. **Components.** Each is a number per area where higher means "needs more attention":

   ==================  ======================================================  ========
   code                what                                                    scale
   ==================  ======================================================  ========
   ``problem_index``   the survey's problem index (0–6, weighted, small-area)  linear
   ``unsafety``        mean of the worry and concrete-unsafety indices (0–6)   linear
   ``crime_rate``      reported crimes per 1,000 residents in the year         log
   ``harm_rate``       harm-weighted crimes per 1,000 residents                log
   ``trend``           yearly change of the crime rate over all years          linear
   ``observation_rate`` observations in the situational picture per 1,000      log
   ==================  ======================================================  ========

   Rates are standardised on the log scale (``log(1 + rate)``) because crime rates are
   skewed: one city centre with a shopping mall would otherwise set the whole scale.
2. **Standardisation.** Each component becomes a z-value: (value − mean over areas) / SD
   over areas, so "+1.8 SD" reads "1.8 standard deviations above the average area".
3. **Score.** The weighted mean of the z-values with :data:`DEFAULT_WEIGHTS` (or the
   caller's weights). An area that lacks a component (no survey answers published, no
   population for a rate, too few crimes for a trend) is scored on the components it has,
   with the weights renormalised, and flagged in ``missing``; a score built on less than
   ``min_weight_share`` of the total weight is not ranked.
4. **Rank intervals.** The ranking is recomputed on ``draws`` (default 1,000) bootstrap
   replicates: survey components are drawn from their estimate ± SE (normal, clipped to
   0–6; the SE is the design-based one, or √MSE for small-area estimates, so shrinkage and
   weighting are respected); crime counts are drawn as Poisson per area × category (the
   parametric bootstrap), from which the crime and harm rates follow; the trend from its
   interval (normal on the log scale); observation counts as Poisson. Standardisation uses
   the point estimates' mean and SD throughout, so a draw moves an area, not the scale.
   ``rank_low``–``rank_high`` is the ``interval`` (default 90 %: 5th–95th percentile)
   range of an area's rank over the draws, widened to include its point rank. Two areas
   whose intervals overlap much should not be told apart. Draws are seeded.
5. **Explanations.** For every area a sentence in Swedish and English naming the
   components that pull it up (and down), with their z-values.

Pure numpy/polars: no Django.
"""

from __future__ import annotations

from .components import crime_components, observation_component, survey_components, trend_component
from .defaults import (
    COMPONENTS,
    DEFAULT_DRAWS,
    DEFAULT_INTERVAL,
    DEFAULT_SEED,
    DEFAULT_WEIGHTS,
    ComponentData,
    PriorityResult,
)
from .explanations import format_weights
from .ranking import prioritise

__all__ = [
    "COMPONENTS",
    "DEFAULT_DRAWS",
    "DEFAULT_INTERVAL",
    "DEFAULT_SEED",
    "DEFAULT_WEIGHTS",
    "ComponentData",
    "PriorityResult",
    "crime_components",
    "format_weights",
    "observation_component",
    "prioritise",
    "survey_components",
    "trend_component",
]
