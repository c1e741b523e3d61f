from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.core.exports import csv_response
from trygg.core.http import allow
from trygg.core.problems import problem_reason, problem_text
from trygg.core.web import capability_required
from trygg.jobs.backend import ensure_worker
from trygg.jobs.selectors import job_done_url, job_get_for_user, job_notice

from .forms import MappingForm, UploadForm, field_label
from .models import UploadStatus
from .selectors import upload_get_for_user, uploads_for_user
from .services import (
    FIELDS,
    UploadRejected,
    missing_fields,
    read_preview,
    scb_format,
    upload_create,
    upload_set_mapping,
    upload_start,
)


@allow("GET", "POST")
@capability_required(Capability.IMPORT_AREAS)
def upload_list(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        municipalities=municipalities_for_user(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            upload = upload_create(
                municipality=form.cleaned_data["municipality"],
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                source_name=form.cleaned_data["source"],
                actor=request.user,
            )
        except UploadRejected as exc:
            # Problems of a file that was read, in the reader's language; never the text
            # of the exception behind them.
            for message in [problem_text(p) for p in exc.problems] or [str(exc)]:
                form.add_error("file", message)
        else:
            return redirect("imports:detail", public_id=upload.public_id)
    uploads = uploads_for_user(request.user)[:30]
    return render(request, "imports/upload_list.html", {"form": form, "uploads": uploads})


@allow("GET", "POST")
@capability_required(Capability.IMPORT_AREAS)
def upload_detail(request, public_id):
    upload = upload_get_for_user(request.user, public_id=public_id)
    form = MappingForm(request.POST or None, upload=upload)
    busy = upload.status in (UploadStatus.VALIDATING, UploadStatus.IMPORTING) and not (
        upload.job and upload.job.is_finished
    )
    if busy and upload.job and upload.job.task_id:
        ensure_worker()
    if request.method == "POST" and not busy and upload.status != UploadStatus.IMPORTED:
        action = request.POST.get("action")
        if action == "import" and upload.status == UploadStatus.VALID:
            upload_start(upload, mode="import", actor=request.user)
            return redirect("imports:detail", public_id=upload.public_id)
        if action == "validate" and form.is_valid():
            upload_set_mapping(
                upload,
                mapping=form.mapping(),
                delimiter=form.cleaned_data.get("delimiter", ""),
                encoding=form.cleaned_data.get("encoding", ""),
                save=form.cleaned_data.get("save_for_source", False),
            )
            missing = missing_fields(upload)
            if missing:
                messages.error(
                    request,
                    _("Choose the column for: %(fields)s.")
                    % {"fields": ", ".join(field_label(f) for f in missing)},
                )
            else:
                upload_start(upload, mode="validate", actor=request.user)
            return redirect("imports:detail", public_id=upload.public_id)
    header, rows = read_preview(upload)
    required, _optional = FIELDS[upload.kind]
    return render(
        request,
        "imports/upload_detail.html",
        {
            "upload": upload,
            "form": form,
            "header": header,
            "rows": rows,
            "required": required,
            "scb_format": scb_format(upload),
            "busy": busy,
            "job": upload.job,
            "problems": upload.problems[:1000],
            "delimiter_name": {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}.get(
                upload.delimiter, upload.delimiter
            ),
        },
    )


@allow("GET")
@capability_required(Capability.IMPORT_AREAS)
def upload_problems_csv(request, public_id):
    upload = upload_get_for_user(request.user, public_id=public_id)
    response = csv_response(
        filename=f"problems-{upload.public_id}.csv",
        header=["file", "line", "column", "reason"],
        rows=(
            [
                upload.file_name,
                p.get("line") or p.get("feature"),
                p["column"],
                problem_reason(p["reason"]),
            ]
            for p in upload.problems
        ),
    )
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="import_problems",
        object_id=str(upload.public_id),
        municipality_code=upload.municipality.code,
        summary=f"Downloaded the validation report of {upload.file_name}",
    )
    return response


@allow("GET")
@login_required
def job_status(request, public_id):
    """The progress of a background job, for the page's progress bar (polled)."""
    job = job_get_for_user(request.user, public_id=public_id)
    if not job.is_finished and job.task_id:
        ensure_worker()
    return JsonResponse(
        {
            "id": str(job.public_id),
            "kind": job.kind,
            "status": job.status,
            "step": job.step_label,
            "step_code": job.step,
            "notice": job_notice(job),
            "progress": round(job.progress, 3),
            "finished": job.is_finished,
            "message": job.message,
            "result": job.result,
            "done_url": job_done_url(job),
        }
    )
