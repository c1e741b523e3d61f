from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from trygg.accounts.selectors import safety_groups_of_user
from trygg.areas.selectors import (
    area_feature_collection,
    areas_for_user,
    municipalities_for_user,
    municipality_overview,
)
from trygg.core.http import allow


@allow("GET")
@login_required
def home(request):
    municipalities = list(municipalities_for_user(request.user))
    return render(
        request,
        "core/home.html",
        {
            "municipalities": [
                {"municipality": m, "overview": municipality_overview(municipality=m)}
                for m in municipalities
            ],
            "areas_geojson": area_feature_collection(areas_for_user(request.user)),
            "my_groups": safety_groups_of_user(request.user),
        },
    )


@allow("GET", "HEAD")
def healthz(request):
    """For load balancers and monitoring: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason: str = ""):
    """A refused form (CSRF) as a page in the user's language that says what to do, instead
    of Django's English technical page; the reason goes to the security log only."""
    return render(request, "403.html", status=403)
