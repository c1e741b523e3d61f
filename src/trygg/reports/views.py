from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.csp import CSP

from trygg.accounts.roles import Capability
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .selectors import analysis_run_get_for_user, analysis_runs_for_user
from .services import RUN_FILES

# The stand-alone report carries its CSS inline (it must open from a file or an e-mail).
# It runs no script at all, so it is served sandboxed with inline styles as the only
# exception to the site's policy.
REPORT_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["data:"],
    "sandbox": [""],
    "frame-ancestors": [CSP.SELF],
}


@login_required
def run_list(request):
    runs = analysis_runs_for_user(request.user)
    if not request.user.can(Capability.VIEW_REPORTS):
        raise Http404
    return render(request, "reports/run_list.html", {"runs": runs[:50]})


@login_required
def run_detail(request, public_id):
    run = analysis_run_get_for_user(request.user, public_id=public_id)
    files = [name for name in RUN_FILES if (run.directory / name).exists()]
    weights = run.parameters.get("weights", {})
    return render(
        request,
        "reports/run_detail.html",
        {"run": run, "files": files, "weights": weights},
    )


@login_required
def run_file(request, public_id, name: str):
    run = analysis_run_get_for_user(request.user, public_id=public_id)
    path = run.directory / name
    if name not in RUN_FILES or not path.is_file():
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="analysis_run",
        object_id=str(run.public_id),
        municipality_code=run.municipality.code,
        summary=f"Opened {name} of the analysis {run}",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    inline = name in ("report.html", "report.pdf", "run.json")
    response = FileResponse(
        path.open("rb"),
        content_type=RUN_FILES[name],
        as_attachment=not inline,
        filename=f"trygg-{run.municipality.code}-{run.year}-{name}",
    )
    if name == "report.html":
        response._csp_config = REPORT_CSP
    return response
