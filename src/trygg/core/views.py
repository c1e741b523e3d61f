from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from trygg.core.http import allow

from .navigation import public_links_for, public_municipalities, start_page_context


@allow("GET")
def home(request):
    # What the start page shows comes from the apps that own it (core.navigation).
    if not request.user.is_authenticated:
        return public_home(request)
    return render(request, "core/home.html", start_page_context(request))


def public_home(request):
    """The start page for residents: what they can do here, per municipality. With several
    municipalities a chooser (``?kommun=<code>``) comes first; with one, its links at once."""
    municipalities = public_municipalities()
    chosen = None
    if len(municipalities) == 1:
        chosen = municipalities[0]
    else:
        code = request.GET.get("kommun", "")
        chosen = next((m for m in municipalities if m.code == code), None)
    return render(
        request,
        "core/public_home.html",
        {
            "municipalities": municipalities,
            "chosen": chosen,
            "links": public_links_for(chosen) if chosen is not None else [],
            "public_page": True,
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
