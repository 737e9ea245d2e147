"""Instructions per request (``BENCH_CALLGRIND=1``): repeatable whatever else runs on the machine.

``measure`` runs this module twice under ``valgrind --tool=callgrind``: once making the
``warm`` first requests in-process through Django's test client, once making those and
``extra`` more. Both runs pay the same start-up (interpreter, Django, first-request caches),
so (Ir of the second - Ir of the first) / extra is the instructions one steady-state request
executes in the process (the PostgreSQL server's work is not in it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ENABLED = os.environ.get("BENCH_CALLGRIND", "") == "1"


def available() -> bool:
    return ENABLED and shutil.which("valgrind") is not None


def _total_ir(out_file: str) -> int:
    with open(out_file) as handle:
        text = handle.read()
    match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no instruction total in {out_file}")
    return int(match.group(1))


def _run(requests: list[dict], env: dict) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = os.path.join(tmp, "requests.json"), os.path.join(tmp, "callgrind.out")
        with open(spec, "w") as handle:
            json.dump(requests, handle)
        valgrind = shutil.which("valgrind") or "valgrind"
        subprocess.run(  # noqa: S603 - a fixed command line
            [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.callgrind",
                spec,
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return _total_ir(out)


# Ten extra requests: over three, a collector pass or a cache's periodic check landing in one
# run and not the other moved the per-request figure several-fold between runs.
WARM, EXTRA = 2, 10
NEEDED = 2 * WARM + EXTRA  # requests a measurement consumes


def measure(requests: list[dict], *, env: dict | None = None) -> int:
    """Instructions per steady-state request. ``requests`` (NEEDED of them; each: method,
    path, headers, body, expect, optionally urlconf or wsgi "module:callable") are each usable
    once (a lead accepted once, a new visitor): the first run makes WARM of them, the second
    WARM others and EXTRA more."""
    if len(requests) < NEEDED:
        raise ValueError(f"callgrind needs {NEEDED} distinct requests")
    env = {**(env or os.environ), "PYTHONHASHSEED": "0"}  # both runs hash (and so allocate) alike
    base = _run(requests[:WARM], env)
    full = _run(requests[WARM:NEEDED], env)
    return round((full - base) / EXTRA)


def main(spec_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils.module_loading import import_string

    with open(spec_path) as handle:
        requests = json.load(handle)
    client = Client()
    for request in requests:
        if "urlconf" in request:
            settings.ROOT_URLCONF = request["urlconf"]
        if "wsgi" in request:  # a bare WSGI callable, called as gunicorn would
            app = import_string(request["wsgi"].replace(":", "."))
            environ = {
                "REQUEST_METHOD": request["method"],
                "PATH_INFO": request["path"],
                **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in request.get("headers", {}).items()},
            }
            statuses: list[str] = []
            b"".join(app(environ, lambda status, headers, *_, seen=statuses: seen.append(status)))
            if not statuses[0].startswith(str(request["expect"])):
                raise SystemExit(f"{request['path']} answered {statuses[0]}")
            continue
        response = client.generic(
            request["method"],
            request["path"],
            data=request.get("body", ""),
            content_type="application/json",
            headers=request.get("headers", {}),
        )
        if response.status_code != request["expect"]:
            raise SystemExit(f"{request['method']} {request['path']} answered {response.status_code}")


if __name__ == "__main__":
    main(sys.argv[1])
