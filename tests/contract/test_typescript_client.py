"""TypeScript types generated from openapi.yaml (openapi-typescript) type-check a small
openapi-fetch client (clients/typescript/first-calls.ts) with tsc: error codes, enums, Money
and nullable fields are what a TypeScript team gets."""

import subprocess

from tests.contract.tools import ROOT, SCHEMA_FILE, npm_tool

CLIENTS = ROOT / "clients"


def run(*command: str):
    return subprocess.run(command, cwd=CLIENTS, capture_output=True, text=True, timeout=300)  # noqa: S603


def test_generated_typescript_types_type_check_the_client_script():
    generated = CLIENTS / "typescript" / "generated" / "schema.d.ts"
    result = run(npm_tool("openapi-typescript"), str(SCHEMA_FILE), "-o", str(generated))
    assert result.returncode == 0, result.stdout + result.stderr
    schemas = generated.read_text().split("    schemas: {")[1].split("    responses:")[0]
    assert '"lead_not_pending"' in schemas
    # Free-form values are rare and say so: each `unknown` sits under a described property
    # (a nested input's field messages, the wallet's reserved auto_top_up settings).
    lines = schemas.splitlines()
    for number, line in enumerate(lines):
        if ": unknown;" in line:
            assert any("@description" in above for above in lines[max(0, number - 4) : number]), line

    result = run(npm_tool("tsc"), "-p", ".")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
