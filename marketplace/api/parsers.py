"""The one JSON parser of the API: bounded in size and depth (issue #12 item 8).

Python's ``json`` recurses once per nesting level, so a body of 100,000 ``[`` raised
``RecursionError`` (a 500) before any view ran — on anonymous endpoints too. This parser turns
that, any nesting deeper than ``MAX_JSON_DEPTH`` and any body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` into a 400 ``parse_error`` for every endpoint at once. DRF
reads the request stream directly, which skips Django's own size check on ``request.body``,
so the size bound lives here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than a handful of levels (a service's conditions, a
# money object); 32 leaves room and keeps every later walk of the data shallow.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests containers deeper than ``limit`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # NaN and Infinity, as DRF's strict mode


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise ParseError(f"The request body is larger than {limit} bytes.", code="parse_error")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.", code="parse_error") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}", code="parse_error") from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.", code="parse_error")
        return data
