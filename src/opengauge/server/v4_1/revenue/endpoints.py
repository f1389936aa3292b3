"""The 4.1 revenue module's routes: module path -> handlers by method."""

from __future__ import annotations

from opengauge.server.v4_1.call import Module
from opengauge.server.v4_1.revenue import service

#: Room for a file well over the 2 MB limit plus multipart framing, so an oversized file
#: reaches the service and is refused with an upload log rather than cut off unread.
UPLOAD_BODY_BYTES = 4 * 1024 * 1024

MODULES: dict[str, Module] = {
    "company/revenue_file_automate": Module(
        {"POST": service.upload}, max_body_bytes=UPLOAD_BODY_BYTES, prepare=service.read_upload
    ),
    "file/company-revenue": Module({"GET": service.list_uploads}),
}
