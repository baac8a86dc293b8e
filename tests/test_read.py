"""The reader: the seeds, every layout variation of FORMAT.md, and every kind of bad input."""

from __future__ import annotations

import pytest

from graph.read.records import Comparison, TopicPage

from graph.errors import RejectedDocument
from graph.read import normalise, parse_text, read_file, read_paths, sha256_text
from graph.read.render import render_comparison, render_topic_page

SEED_ROBUSTNESS = "000_070a097540eb3904.txt"
SEED_AUDITING = "003_68f6ac3fc480b7fe.txt"


def page(**kw) -> str:
    args = dict(a="Go", b="Rust", pick="Rust",
                pros={"Go": ["Builds are fast and the toolchain is simple"], "Rust": ["Memory safety without a garbage collector"]},
                related={"Go": ["concurrency", "rust"], "Rust": ["memory-safety", "systems-programming"]})
    args.update(kw)
    a, b, pick = args.pop("a"), args.pop("b"), args.pop("pick")
    return render_comparison(a, b, pick, **args)


def reject(text: str | bytes) -> tuple[int, str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(RejectedDocument) as info:
        parse_text(normalise(data, "bad.txt"), "bad.txt")
    r = info.value.rejection
    assert r.path == "bad.txt"
    return r.line, r.reason


# ------------------------------------------------------------------ seeds --

def test_seed_robustness(seeds_dir):
    p, sha = read_file(seeds_dir / SEED_ROBUSTNESS)
    assert isinstance(p, Comparison)
    assert p.kind == "Dynamic"
    assert p.topics == ("Model Robustness", "Model Interpretability")
    assert p.pick == "Model Robustness"
    assert p.card("Model Robustness").badge and not p.card("Model Interpretability").badge
    assert p.card("Model Robustness").related == ("adversarial-machine-learning", "model-validation")
    assert p.card("Model Interpretability").related == ("machine-learning", "data-science")
    assert [v.topic for v in p.verdict] == ["Model Robustness", "Model Interpretability"]
    assert p.bottom_line == "Model Robustness wins"
    assert p.warnings == ()
    assert len(sha) == 64 and p.sha256 == sha
    # the placeholder con is kept as read but carries no information
    [con] = p.card("Model Robustness").cons
    assert con.text == "Specific tradeoffs depend on your use case" and not con.informative
    assert p.card("Model Robustness").pros[0].line == 21


def test_seed_auditing(seeds_dir):
    p, _ = read_file(seeds_dir / SEED_AUDITING)
    assert p.topics == ("Manual Model Auditing", "MLOps Monitoring")
    assert p.pick == "Manual Model Auditing"
    assert p.card("Manual Model Auditing").related == ("machine-learning", "fairness-metrics")
    assert p.card("MLOps Monitoring").related == ("mlops", "machine-learning")


# ------------------------------------------------------------ variations --

def test_compact_layout_reads_like_the_normal_one():
    normal, compact = parse_text(page()), parse_text(page(compact=True))
    for p in (normal, compact):
        assert p.pick == "Rust" and p.card("Rust").badge
        assert p.card("Go").related == ("concurrency", "rust")
        assert [b.text for b in p.card("Rust").pros] == ["Memory safety without a garbage collector"]
        assert p.card("Rust").description == "Developers should choose Rust when its strengths match the project"
    assert "\n\n" not in page(compact=True)


def test_mojibake_crlf_bom_trailing_spaces_and_no_final_newline():
    text = page().replace("🧊", "đź§Š").replace("•", "â€¢")
    text = "\ufeff" + "\r\n".join(line + "   " for line in text.split("\n"))
    p = parse_text(normalise(text.encode("utf-8"), "x"), "x")
    assert p.pick == "Rust" and p.card("Go").related == ("concurrency", "rust")
    assert p.warnings == ()


def test_crlf_and_bom_copies_have_the_same_sha():
    text = page()
    assert sha256_text(normalise(text.encode(), "a")) == sha256_text(
        normalise(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "b"))


def test_vs_dot_title_pick_second_and_verdict_in_either_order():
    text = page().replace("Go vs Rust", "Go vs. Rust")
    lines = text.split("\n\n")
    i = next(k for k, b in enumerate(lines) if b.startswith("Use Rust if"))
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    p = parse_text("\n\n".join(lines))
    assert p.topics == ("Go", "Rust") and p.pick == "Rust"
    assert [v.topic for v in p.verdict] == ["Go", "Rust"]


def test_card_names_match_the_title_in_any_case():
    text = page(a="containerd", b="CRI-O", pick="containerd").replace("\n\ncontainerd\n\nNice Pick", "\n\nContainerd\n\nNice Pick")
    p = parse_text(text)
    assert p.pick == "containerd" and p.card("containerd").badge


def test_real_cons_and_debris():
    p = parse_text(page(pros={"Go": ["It reads many formats (e", "g", "Goroutines make concurrency cheap"]},
                        cons={"Go": ["Generics arrived late and are limited"]}))
    pros = p.card("Go").pros
    assert [b.informative for b in pros] == [True, False, True]
    assert p.card("Go").cons[0].informative


def test_page_truncated_after_both_cards_is_accepted_with_a_warning():
    text = page().split("\n\nThe Verdict")[0]
    p = parse_text(text)
    assert p.pick == "Rust" and p.verdict == ()
    assert p.warnings == ("truncated: the page ends at line 39; missing the verdict, the bottom line",)


def test_page_truncated_inside_the_verdict_is_accepted_with_a_warning():
    text = page().split("\n\n🧊\nThe Bottom Line")[0]
    p = parse_text(text)
    assert p.pick == "Rust" and len(p.verdict) == 2
    assert p.warnings == ("truncated: the page ends at line 45; missing the bottom line",)


def test_topic_page():
    text = render_topic_page("Canary Deployment", "A release technique that sends a little traffic first.",
                             aliases=["Canary Release", "Canary Deployments"], related_tools=["Flagger"],
                             alternatives=["Blue-Green Deployment"])
    p = parse_text(text, "t.txt")
    assert isinstance(p, TopicPage)
    assert (p.name, p.kind, p.aliases) == ("Canary Deployment", "concept", ("Canary Release", "Canary Deployments"))
    assert p.definition == "A release technique that sends a little traffic first."
    assert p.related_tools == ("Flagger",) and p.alternatives == ("Blue-Green Deployment",)
    assert p.name_line == 3


# ------------------------------------------------------------- bad input --

def test_empty_and_whitespace_files():
    assert reject("") == (1, "empty file: no text to read")
    assert reject(" \n\t\n  ") == (1, "empty file: no text to read")


def test_binary_file():
    line, reason = reject(b"Dynamic\nGo vs Rust\n\x00\x01\x02")
    assert line == 3 and reason.startswith("binary file")


def test_undecodable_text():
    line, reason = reject("Dynamic\nGo vs Rust\nCaf\xe9".encode("latin-1"))
    assert line == 3 and "not UTF-8" in reason and "0xe9" in reason


def test_html_page():
    line, reason = reject("<!DOCTYPE html>\n<html><body><h1>Go vs Rust</h1></body></html>")
    assert line == 1 and "HTML page" in reason


def test_no_comparison_title():
    line, reason = reject("Dynamic\nSome notes about databases\nThey store data.")
    assert line == 2 and "no comparison title" in reason


def test_cut_inside_the_second_card_keeps_the_pick_the_headline_and_badge_agree_on():
    text = page().split("\n\nRust\n\nNice Pick")[0] + "\n\nRust\n\nNice Pick\n\nDevelopers should cho"
    p = parse_text(text)
    assert (p.pick, [(c.name, c.complete, c.badge) for c in p.cards]) == ("Rust", [("Go", True, False), ("Rust", False, True)])
    assert p.card("Rust").description == "Developers should…"
    assert p.warnings == ("truncated: the page ends at line 30; missing the end of the card of 'Rust', the verdict, "
                          "the bottom line",)


def test_cut_before_the_winner_s_badge_cannot_read_the_pick():
    text = page().split("\n\nRust\n\nNice Pick")[0] + "\n\nRust\n\nNice Pi"
    line, reason = reject(text)
    assert (line, reason) == (28, "the page is cut off at line 28 before its pick can be read: only the headline "
                                  "names 'Rust'; a cut page needs the headline and the winner's badge")


def test_cut_before_any_card():
    line, reason = reject("Dynamic\n\nGo vs Rust\n\nGo is fast meets rust is safe. Here's our take.")
    assert line == 5 and "page ends before the first card" in reason


def test_pick_not_one_of_the_two_topics():
    text = page().replace("🧊Nice Pick\n\nRust", "🧊Nice Pick\n\nZig")
    line, reason = reject(text)
    assert line == 9 and reason == "the pick 'Zig' in the headline is not one of the compared topics (Go, Rust)"


def test_headline_and_bottom_line_disagree():
    text = page().replace("Rust wins", "Go wins")
    line, reason = reject(text)
    assert line == text.split("\n").index("Go wins") + 1
    assert reason == "the pick disagrees: the headline names 'Rust' but the bottom line names 'Go'"


def test_badge_and_headline_disagree():
    text = page().replace("🧊Nice Pick\n\nRust", "🧊Nice Pick\n\nGo")
    line, reason = reject(text)
    assert "the headline names 'Go' but the badge on 'Rust'" in reason


def test_cards_that_do_not_match_the_title():
    text = page().replace("\n\nGo\n\nDevelopers", "\n\nPython\n\nDevelopers")
    line, reason = reject(text)
    assert line == text.split("\n").index("Python") + 1
    assert "found 'Python'; cards must match the title (Go vs Rust)" in reason


def test_a_title_comparing_a_topic_with_itself():
    assert reject("Dynamic\nGo vs go\n")[1] == "the title compares 'Go' with itself"


def test_no_pick_anywhere():
    text = page(pick=None)
    line, reason = reject(text)
    assert line == 3 and reason.startswith("no pick")


def test_read_paths_collects_rejections_and_duplicates(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(page())
    (tmp_path / "sub" / "b.txt").write_bytes(b"\xef\xbb\xbf" + page().replace("\n", "\r\n").encode())
    (tmp_path / "c.txt").write_text("")
    (tmp_path / "notes.md").write_text("ignored: not *.txt")
    report = read_paths([tmp_path])
    assert [p.path for p in report.pages] == [str(tmp_path / "a.txt")]
    assert [(d.path, d.same_as) for d in report.duplicates] == [(str(tmp_path / "sub" / "b.txt"), str(tmp_path / "a.txt"))]
    assert [(r.path, r.line) for r in report.rejections] == [(str(tmp_path / "c.txt"), 1)]


def test_unreadable_file_is_a_rejection(tmp_path):
    result, _ = read_file(tmp_path / "missing.txt")
    assert result.line == 0 and result.reason.startswith("cannot read the file: it does not exist")


def test_scan_lists_the_files_sorted_with_sizes(tmp_path):
    from graph.read.files import scan

    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "b.txt").write_text("bb")
    (tmp_path / "sub" / "a.txt").write_text("a")
    (tmp_path / "sub" / "deeper" / "c.txt").write_text("ccc")
    (tmp_path / "sub" / "notes.md").write_text("not a page")
    (tmp_path / "link").symlink_to(tmp_path / "sub")  # a linked folder is not walked twice
    single = tmp_path / "single.page"
    single.write_text("xyz!")
    stats = [(f.path, f.size, f.mtime_ns) for f in scan([tmp_path, single]).files]
    assert [p for p, _, _ in stats] == sorted(
        [str(tmp_path / "b.txt"), str(tmp_path / "sub" / "a.txt"), str(tmp_path / "sub" / "deeper" / "c.txt"),
         str(single)])
    assert [size for _, size, _ in stats] == [2, 4, 1, 3]  # b, single.page, sub/a, sub/deeper/c
