"""``pickgraph serve`` against pages of other origins and against connections that hold it (issue #24).

A real server, a real second HTTP server on another port of 127.0.0.1 for the other origin's page, real
Chromium (Debian's, through Playwright) for what a browser lets that page do, real sockets for the idle
and dribbling connections.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from servehelp import PICKGRAPH, ROOT

pytestmark = pytest.mark.server


# ---------------------------------------------------------------- 8c --

def test_no_build_stops_even_beside_a_data_folder(tmp_path):
    # the folder the query commands would read when there is no build: serve must not build it
    shutil.copytree(ROOT / "data", tmp_path / "data")
    proc = subprocess.Popen([*PICKGRAPH, "serve", "--port", "0"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        said = proc.stdout.readline()  # "serving …" if it started, "" once it ended
        assert said == ""
        assert proc.wait(60) == 1
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert err.strip().splitlines() == ["Error: no build in exports/ to serve: run 'pickgraph build PATH' first "
                                        "(PATH: your folder of pages), or name the out folder of a build with "
                                        "--out DIR"]
    assert not Path(tmp_path / "exports").exists()  # nothing built
