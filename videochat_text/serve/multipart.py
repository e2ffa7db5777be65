"""Reading one file field of a ``multipart/form-data`` request as it arrives.

Starlette's form parser spools files to the system's temp folder (memory first) before a
route sees them; an upload of videos is better written once, straight to where it is
kept. This feeds the body's chunks through python-multipart's streaming parser and
hands the named field's bytes to ``write`` as they come; other fields are skipped.
"""

from __future__ import annotations

from typing import AsyncIterator, Callable

from fastapi import HTTPException
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

_MISSING = "send the video as the multipart form field 'file'"


async def read_file_field(chunks: AsyncIterator[bytes], content_type: str | None, field: str,
                          write: Callable[[bytes], None], *, max_body_bytes: int,
                          too_large: Callable[[], Exception]) -> str | None:
    """Stream the form field ``field`` (a file) into ``write``; return the file name the client gave.

    Raises:
        HTTPException: 400 when the body is not multipart or holds no such field.
        too_large(): the body is longer than ``max_body_bytes`` (whatever ``write`` raises passes too).
    """
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise HTTPException(400, _MISSING)
    part: dict[str, object] = {}
    header: dict[str, bytes] = {"field": b"", "value": b""}
    found: list[str | None] = []

    def on_part_begin() -> None:
        part.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        if header["field"].lower() == b"content-disposition":
            part["disposition"] = header["value"]
        header["field"] = header["value"] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(part.get("disposition", b""))
        part["wanted"] = options.get(b"name") == field.encode() and b"filename" in options and not found
        if part["wanted"]:
            found.append(options[b"filename"].decode("utf-8", "replace"))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.get("wanted"):
            write(data[start:end])

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
    })
    seen = 0
    try:
        async for chunk in chunks:
            seen += len(chunk)
            if seen > max_body_bytes:
                raise too_large()
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise HTTPException(400, "the upload is not valid multipart/form-data") from None
    if not found:
        raise HTTPException(400, _MISSING)
    return found[0]
