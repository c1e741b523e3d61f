from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from trygg.core.http import allow

from .navigation import start_page_context


@allow("GET")
@login_required
def home(request):
    # What the start page shows comes from the apps that own it (core.navigation).
    return render(request, "core/home.html", start_page_context(request))


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
