import tempfile
from pathlib import Path

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError
from trygg.core.http import allow
from trygg.core.web import capability_required

from .forms import AreaImportForm, ImportKind
from .models import AreaLevel
from .pages import area_page_context
from .selectors import (
    area_feature_collection,
    area_get_for_user,
    areas_for_user,
    municipalities_for_user,
    population_summary,
)
from .services import areas_import_geojson, population_import_csv


@allow("GET")
@capability_required(Capability.VIEW_AREAS)
def area_list(request):
    areas = areas_for_user(request.user).order_by("municipality__name", "parent__name", "name")
    districts: dict = {}
    for area in areas:
        if area.level == AreaLevel.DISTRICT:
            districts.setdefault(area, [])
        elif area.parent is not None:
            districts.setdefault(area.parent, []).append(area)
    return render(
        request,
        "areas/area_list.html",
        {"districts": districts, "areas_geojson": area_feature_collection(areas)},
    )


@allow("GET")
@capability_required(Capability.VIEW_AREAS)
def area_detail(request, area_id: int):
    area = area_get_for_user(request.user, area_id=area_id)
    # The area with its neighbours in the same district, so the map shows where it lies.
    neighbourhood = Q(pk=area.pk) | Q(parent=area)
    if area.parent_id:
        neighbourhood |= Q(parent_id=area.parent_id)
    shown = areas_for_user(request.user).filter(neighbourhood)
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "children": area.children.order_by("name"),
            "population": population_summary(area=area),
            "groups": area.safety_groups.select_related("lead_organisation").order_by("name"),
            "areas_geojson": area_feature_collection(shown),
            # Results of the analysis, operations and promises: from the apps that own them.
            **area_page_context(request, area=area),
        },
    )


@allow("GET", "POST")
@capability_required(Capability.IMPORT_AREAS)
def area_import(request):
    municipalities = municipalities_for_user(request.user)
    form = AreaImportForm(
        request.POST or None, request.FILES or None, municipalities=municipalities
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = (
            areas_import_geojson
            if form.cleaned_data["kind"] == ImportKind.AREAS
            else population_import_csv
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = importer(
                    municipality=form.cleaned_data["municipality"],
                    path=path,
                    actor=request.user,
                    file_name=upload.name,
                )
            except InputError as exc:
                problems = exc.problems
            else:
                messages.success(
                    request,
                    _("Imported %(file)s: %(new)d new, %(changed)d changed, %(same)d unchanged.")
                    % {
                        "file": upload.name,
                        "new": result.created,
                        "changed": result.updated,
                        "same": result.unchanged,
                    },
                )
                return redirect("areas:import")
    return render(request, "areas/import.html", {"form": form, "problems": problems})
