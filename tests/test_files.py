"""The user's folders as a file system can make them: links, loops, pipes, devices,
names that are not UTF-8, folders deeper than PATH_MAX. Each gives a rejection
line (path and reason) while the rest is built; nothing hangs, nothing crashes.

Commands that could hang (a pipe, /dev/zero) run in a subprocess with a timeout,
so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, render_comparison
from graph.cli import main
from graph.read.files import scan

TIMEOUT = 60


def good(a: str = "Redis", b: str = "Memcached", pick: str = "Redis") -> str:
    return render_comparison(a, b, pick, related={a: ["caching"], b: ["caching"]})


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A folder with two good pages, to which each test adds one odd entry."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(good(), encoding="utf-8")
    (folder / "b.txt").write_text(good("Go", "Rust", "Rust"), encoding="utf-8")
    return folder


def pickgraph(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command in its own process, stopped after TIMEOUT seconds."""
    return subprocess.run([sys.executable, "-c", "from graph.cli import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True,
                          timeout=TIMEOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def built(r, out: Path) -> dict:
    """The --json result of a build (a subprocess's or CliRunner's), checked for the two good pages."""
    data = json.loads(r.stdout)
    assert data["summary"]["comparisons"] == 2 and data["summary"]["topics"] == 5, data
    assert (out / "pickgraph.ttl").is_file() and (out / "pickgraph-build.json").is_file()
    return data


def rejections(data: dict) -> dict[str, str]:
    return {Path(r["path"]).name: r["reason"] for r in data["rejections"]}


def test_symlink_loop_is_a_rejection(corpus, tmp_path):
    (corpus / "self.txt").symlink_to(corpus / "self.txt")  # ELOOP when followed
    (corpus / "ring").symlink_to(corpus / "ring")  # a loop with another name: still said
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up").symlink_to(corpus)  # a link back to a folder being read: not followed again
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", str(corpus), "--json"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    data = built(r, tmp_path / "out")
    assert rejections(data) == {
        "ring": "a link that points back to itself (symlink loop)",
        "self.txt": "a link that points back to itself (symlink loop)",
    }


def test_dangling_link_is_a_rejection_and_queries_still_answer(corpus, tmp_path):
    (corpus / "x.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "gone").symlink_to(tmp_path / "no-folder")  # not a page name: not ours to report
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus), "--json"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert rejections(built(r, out)) == {"x.txt": "a link to a file that does not exist (dangling link)"}
    r = CliRunner().invoke(main, ["--out", str(out), "show", "Redis"])
    assert r.exit_code == 0 and r.output.startswith("Redis  (redis)"), r.output


def test_links_to_pages_and_folders_are_followed_once(corpus, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.txt").write_text(good("Vue", "Svelte", "Svelte"), encoding="utf-8")
    (corpus / "linked").symlink_to(elsewhere)
    (corpus / "again").symlink_to(corpus / "linked")  # the same folder by a second link
    (corpus / "also-a.txt").symlink_to(corpus / "a.txt")  # a link to a page is read as a page (a duplicate here)
    found = scan([corpus])
    assert [Path(f.path).relative_to(corpus).as_posix() for f in found.files] == [
        "a.txt", "again/c.txt", "also-a.txt", "b.txt"]
    assert found.rejections == []


def test_name_that_is_not_utf8_is_a_rejection_the_rest_written(corpus, tmp_path):
    os.close(os.open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), os.O_WRONLY | os.O_CREAT, 0o644))
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), "w", encoding="utf-8") as fh:
        fh.write(good("Kafka", "Pulsar", "Kafka"))
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"rejected {corpus}/caf\\xe9.txt:0: the file name is not valid UTF-8; rename the file to read it" in r.output
    assert "2 comparisons" in r.output and (out / "pickgraph.graphml").is_file()
    # --json too: the path is printable JSON
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus), "--json"])
    assert rejections(built(r, out)) == {"caf\\xe9.txt": "the file name is not valid UTF-8; rename the file to read it"}


def test_file_name_with_a_newline_prints_one_line(corpus, tmp_path):
    (corpus / "x\nrejected fake.txt:1: forged").write_text("", encoding="utf-8")
    (corpus / "y\nz.txt").write_text("", encoding="utf-8")
    (corpus / "go\nrust.txt").write_text(good("Go", "Zig", "Zig"), encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus)])
    assert r.exit_code == 1
    lines = [l for l in r.output.splitlines() if l.startswith("rejected ")]
    assert lines == [f"rejected {corpus}/y\\nz.txt:1: empty file: no text to read"]
    # an accepted page's provenance is the same one-line path in every output
    r = CliRunner().invoke(main, ["--out", str(out), "show", "Zig"])
    assert r.output.splitlines()[-1] == f"  vs Go: win (pick: Zig)  [{corpus}/go\\nrust.txt]"
    assert 'pg:fileName "go\\\\nrust.txt"' in (out / "pickgraph.ttl").read_text(encoding="utf-8")  # the \\ escaped


def test_fifo_is_a_rejection_not_a_hang(corpus, tmp_path):
    os.mkfifo(corpus / "x.txt")
    out = tmp_path / "out"
    r = pickgraph("--out", str(out), "build", str(corpus), "--json", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert rejections(built(r, out)) == {"x.txt": "a named pipe (FIFO), not a regular file; only regular files are read"}
    # named on the command line too
    r = pickgraph("--out", str(out), "build", str(corpus / "x.txt"), str(corpus / "a.txt"), cwd=tmp_path)
    assert r.returncode == 1 and f"rejected {corpus}/x.txt:0: a named pipe (FIFO)" in r.stderr


def test_fifo_as_alias_file_is_an_error_not_a_hang(corpus, tmp_path):
    os.mkfifo(tmp_path / "aliases.fifo")
    r = pickgraph("--aliases", str(tmp_path / "aliases.fifo"), "--out", str(tmp_path / "out"), "build", str(corpus),
                  cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (f"Error: {tmp_path}/aliases.fifo: cannot read the alias file: a named pipe (FIFO), "
                                "not a regular file; only regular files are read")


def test_link_to_dev_zero_is_a_rejection_not_a_read_without_end(corpus, tmp_path):
    (corpus / "zero.txt").symlink_to("/dev/zero")
    out = tmp_path / "out"
    r = pickgraph("--out", str(out), "build", str(corpus), "--json", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert rejections(built(r, out)) == {
        "zero.txt": "a character device, not a regular file; only regular files are read"}


def test_file_over_max_bytes_is_a_rejection(corpus, tmp_path):
    (corpus / "big.txt").write_text(good("Kafka", "Pulsar", "Kafka") + "\n" + "x" * 5000, encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus), "--max-bytes", "4000", "--json"])
    assert r.exit_code == 1
    assert rejections(built(r, out)) == {
        "big.txt": "larger than 4,000 bytes: not a saved page (raise the limit with --max-bytes)"}
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus), "--json"])  # the default limit: a few MB
    assert r.exit_code == 0 and json.loads(r.stdout)["summary"]["comparisons"] == 3


def _deep_folder(top: Path, levels: int = 24, name: str = "d" * 200) -> None:
    """Folders nested deeper than PATH_MAX (4096), made through directory fds, with a page at the bottom."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        page = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(page, good("Kafka", "Pulsar", "Kafka").encode())
        os.close(page)
    finally:
        os.close(fd)


def test_folder_deeper_than_path_max_is_a_rejection(corpus, tmp_path):
    _deep_folder(corpus)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus), "--json"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    data = built(r, out)
    [rej] = data["rejections"]
    assert rej["reason"] == "the folder is nested too deep: its path is longer than the system allows; not read"
    assert rej["path"].startswith(str(corpus)) and len(rej["path"]) > 4096
    text = CliRunner().invoke(main, ["--out", str(out), "build", str(corpus)]).output
    [line] = [l for l in text.splitlines() if l.startswith("rejected ")]
    assert "…" in line and len(line) < 400  # the path is shown cut in the middle


def test_empty_folder_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.md").write_text("no pages here")
    for folder in ("empty", "notes"):
        r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", str(tmp_path / folder)])
        assert r.exit_code == 1 and "Traceback" not in r.output
        assert r.output.strip() == (f"Error: no pages found in {tmp_path / folder}: pickgraph reads the *.txt files "
                                    "of the folders it is given (saved as plain text); name a folder of pages")
    r = CliRunner().invoke(main, ["--out", str(tmp_path / "out"), "build", "--stream", str(tmp_path / "empty")])
    assert r.exit_code == 1 and r.output.startswith("Error: no pages found in")
    assert not (tmp_path / "out" / "pickgraph-build.json").exists()


def test_stream_build_reports_odd_entries_like_the_build(corpus, tmp_path):
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "x.txt").symlink_to(tmp_path / "nowhere.txt")
    results = []
    for extra in ([], ["--stream"]):
        out = tmp_path / f"out{len(extra)}"
        r = pickgraph("--out", str(out), "build", *extra, str(corpus), "--json", cwd=tmp_path)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        results.append(json.loads(r.stdout)["rejections"])
    assert results[0] == results[1] == [
        {"path": str(corpus / "pipe.txt"), "line": 0,
         "reason": "a named pipe (FIFO), not a regular file; only regular files are read"},
        {"path": str(corpus / "x.txt"), "line": 0, "reason": "a link to a file that does not exist (dangling link)"},
    ]
