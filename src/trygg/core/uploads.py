"""One limit on the size of every uploaded file (``TRYGG_MAX_UPLOAD_MB``).

The upload handler stops storing a file once it passes the limit, so a huge upload costs
neither memory nor disk; the form validator then refuses it with a message naming the
file and the limit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _


def max_upload_bytes() -> int:
    return settings.TRYGG_MAX_UPLOAD_MB * 1024 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and swallows those past the
    limit, so the handlers after it never store them."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            return None  # not passed on: nothing more of this file is kept
        return raw_data

    def file_complete(self, file_size):
        if self.received <= max_upload_bytes():
            return None  # the next handler's file stands
        # An empty stand-in that says how big the upload was, for the validator.
        oversized = SimpleUploadedFile(self.file_name, b"", self.content_type)
        oversized.size = self.received
        return oversized


def validate_upload_size(upload) -> None:
    if (upload.size or 0) > max_upload_bytes():
        raise ValidationError(
            _("The file %(file)s is larger than %(limit)d MB, the most that can be uploaded.")
            % {"file": upload.name, "limit": settings.TRYGG_MAX_UPLOAD_MB},
            code="file_too_large",
        )
