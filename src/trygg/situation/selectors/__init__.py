"""Reads of the situational picture, scoped to what a user may see.

Who sees which observation (the one rule, used by pages, the API and every export):

* the reporter always sees their own reports;
* a group member sees the reports of their groups: reported to the group, or placed in one
  of the group's areas;
* coordinators and analysts (``view_all_observations``) see every report in their
  municipalities;
* a report restricted to the police is seen only by police users (within the above) and by
  its reporter. Aggregates (counts, the usual level, the grid) count every report in the
  picture's scope, restricted or not, and never show the text.

Who sees which weekly picture: members see their groups' pictures; roles with
``view_municipal_picture`` see every group's and the whole municipality's.
"""

from __future__ import annotations

from ..periods import planning_period, quarter_bounds
from .actions import (
    action_get_for_user,
    actions_overdue,
    actions_pending,
    overdue_actions_for,
    picture_actions,
)
from .figures import (
    BLOCK_HOURS,
    PICTURE_CACHE_SECONDS,
    PICTURE_POINTS,
    PICTURE_ROWS,
    data_version,
    picture_areas_geojson,
    picture_compute,
    picture_figures,
    picture_figures_keyed,
    picture_for_viewer,
    picture_map_areas,
)
from .observations import (
    COUNT_CACHE_SECONDS,
    group_branches,
    groups_for_reporting,
    is_police,
    observation_get_for_user,
    observations_count,
    observations_filtered,
    observations_for_user,
    observations_slice,
    own_group_area_ids,
    places_for_user,
    reporting_groups_by_id,
    viewer_class,
)
from .quarter import quarter_view
from .scope import (
    PictureScope,
    current_week,
    picture_get,
    picture_scope_for_user,
    picture_scopes_for_user,
    pictures_published,
)

__all__ = [
    "BLOCK_HOURS",
    "COUNT_CACHE_SECONDS",
    "PICTURE_CACHE_SECONDS",
    "PICTURE_POINTS",
    "PICTURE_ROWS",
    "PictureScope",
    "action_get_for_user",
    "actions_overdue",
    "actions_pending",
    "current_week",
    "data_version",
    "group_branches",
    "groups_for_reporting",
    "is_police",
    "observation_get_for_user",
    "observations_count",
    "observations_filtered",
    "observations_for_user",
    "observations_slice",
    "overdue_actions_for",
    "own_group_area_ids",
    "picture_actions",
    "picture_areas_geojson",
    "picture_compute",
    "picture_figures",
    "picture_figures_keyed",
    "picture_for_viewer",
    "picture_get",
    "picture_map_areas",
    "picture_scope_for_user",
    "picture_scopes_for_user",
    "pictures_published",
    "places_for_user",
    "planning_period",
    "quarter_bounds",
    "quarter_view",
    "reporting_groups_by_id",
    "viewer_class",
]
