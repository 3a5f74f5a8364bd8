"""A workbook handed to the browser as a download: one content type, one way to name it."""

from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes | IO[bytes], filename: str) -> HttpResponse | FileResponse:
    """`data` (bytes in memory, or a file just written, read from its start) as an attachment
    named `filename`; a Chinese name goes out as RFC 6266 `filename*`."""
    if isinstance(data, bytes):
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    data.seek(0)
    return FileResponse(data, as_attachment=True, filename=filename, content_type=XLSX)
