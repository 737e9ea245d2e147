"""The scale proofs' topology hands its directories to the server user while a primary runs in
them: a file the server removes during the walk must not fail the hand-over."""

import os
import pwd
from pathlib import Path

import pytest

from loadtest.topology import SERVER_USER, _own


def test_owning_a_tree_skips_a_file_that_vanished_since_the_walk_listed_it(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("only root hands directories over")
    try:
        owner = pwd.getpwnam(SERVER_USER).pw_uid
    except KeyError:
        pytest.skip(f"no {SERVER_USER!r} user on this machine")
    (tmp_path / "kept").write_text("x")
    (tmp_path / "pg_internal.init").write_text("x")
    real_chown = os.chown

    def chown_after_the_server_removed_it(path, uid, gid):
        if Path(path).name == "pg_internal.init":
            raise FileNotFoundError(path)
        real_chown(path, uid, gid)

    monkeypatch.setattr(os, "chown", chown_after_the_server_removed_it)
    _own(tmp_path)
    assert (tmp_path / "kept").stat().st_uid == owner
