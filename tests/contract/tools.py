"""Where the contract checks find their tools: the repository root, the pinned npm binaries."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "openapi.yaml"
NODE_BIN = ROOT / "clients" / "node_modules" / ".bin"


def npm_tool(name: str) -> str:
    """The pinned npm binary, or a skip saying how to get it (`make install` with Node 20.19+)."""
    path = NODE_BIN / name
    if not path.exists() or shutil.which("node") is None:
        pytest.skip(f"{name} is not installed: run `make install` on a machine with Node 20.19+ and npm")
    return str(path)
