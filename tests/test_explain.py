"""why(): the winner, its verdict and pros with sources, never placeholder cons or debris."""

from graph.query.explain import clean_text, format_why, verdict_text, why
from graph.kg.graph import build_graph
from graph.kg.graph import find_topic
from graph.read.records import ReadReport
from graph.read import parse_text
from graph.read.render import render_comparison


def test_seeds_model_robustness(seeds_graph):
    a, b = find_topic(seeds_graph, "Model Robustness"), find_topic(seeds_graph, "Model Interpretability")
    r = why(seeds_graph, a, b)
    assert r["mode"] == "direct" and r["winner"] == "model-robustness" and r["loser"] == "model-interpretability"
    side = r["sides"][0]
    assert side["winner"] == "model-robustness"
    # the verdict quotes the pro it was made from, in the card's case, not "You want it is essential…"
    assert side["verdict"][0]["text"].startswith("Use Model Robustness if: It is essential for mitigating")
    assert "specific tradeoffs" not in side["verdict"][0]["text"].lower()
    assert side["pros"][0]["text"].startswith("It is essential for mitigating risks like adversarial examples")
    assert side["pros"][0]["source"].endswith("000_070a097540eb3904.txt") and side["pros"][0]["line"] == 21
    assert side["cons"] == []  # the loser's only con is the placeholder
    assert r["summary"] == "Model Robustness is preferred over Model Interpretability: picked by 1 page."
    assert "Specific tradeoffs" not in format_why(r)


def test_placeholder_and_debris_stay_out():
    text = render_comparison("Ant", "Bee", "Ant", pros={"Ant": ["g", "Carries loads many times its own weight (e"]},
                             cons={"Bee": ["Stings hurt more than most people expect", "Specific tradeoffs depend on your use case"]})
    G = build_graph(ReadReport(pages=[parse_text(text, "ab.txt")]))
    r = why(G, "ant", "bee")
    side = r["sides"][0]
    assert [p["text"] for p in side["pros"]] == ["Carries loads many times its own weight"]
    assert [c["text"] for c in side["cons"]] == ["Stings hurt more than most people expect"]
    assert side["verdict"] == []  # "You want g …" is debris


BROKEN = "You want its ecosystem, including next.js and react native, covers web, mobile and server rendering " \
         "and can live with specific tradeoffs depend on your use case."
PRO = "Its ecosystem, including Next.js and React Native, covers web, mobile and server rendering"


def _react_page(pros):
    text = render_comparison("React", "Vue", "React", pros={"React": pros, "Vue": ["Templates read like plain HTML files"]})
    return parse_text(text, "rv.txt")


def test_verdict_quotes_the_pro_in_its_own_case():
    page = _react_page([PRO])
    assert page.verdict[0].text == BROKEN  # the page's machine-made sentence, names lowercased
    assert verdict_text(page, page.verdict[0]) == PRO
    assert verdict_text(page, page.verdict[1]) == "Templates read like plain HTML files"  # "You prioritize … over what"
    G = build_graph(ReadReport(pages=[page]))
    side = why(G, "react", "vue")["sides"][0]
    assert [v["text"] for v in side["verdict"]] == [f"Use React if: {PRO}"]
    assert "next.js" not in format_why(why(G, "react", "vue"))


def test_verdict_debris_and_missing_pro():
    page = _react_page(["g"])  # "You want g and can live with …": debris
    assert page.verdict[0].text.startswith("You want g and can live with")
    assert verdict_text(page, page.verdict[0]) is None
    # a verdict whose pro is not on the card: its fragment, without the template
    page = _react_page(["Hooks keep state next to the markup that uses it"])
    line = page.verdict[0].__class__(topic="React", text="You want server components and streaming and can live with slow builds.",
                                     line=19)
    assert verdict_text(page, line) == "Server components and streaming"
    assert clean_text("Reads many formats (e") == "Reads many formats" and clean_text("g") is None


def test_why_and_html_card_clean_alike():
    from graph.export.html import pick_reason

    page = _react_page([PRO])
    G = build_graph(ReadReport(pages=[page]))
    assert pick_reason(page, "React") == why(G, "react", "vue")["sides"][0]["pros"][0]["text"] == PRO
    # no informative pro on the card: the card falls back to the verdict, cleaned as why cleans it
    text = render_comparison("React", "Vue", "React", pros={"React": ["g"]}).replace(
        "You want g and can live", "You want server components and streaming and can live")
    page = parse_text(text, "rv.txt")
    G = build_graph(ReadReport(pages=[page]))
    side = why(G, "react", "vue")["sides"][0]
    assert pick_reason(page, "React") == "Server components and streaming"
    assert [v["text"] for v in side["verdict"]] == ["Use React if: Server components and streaming"] and side["pros"] == []
    debris = _react_page(["g"])  # nothing but debris: the card's description
    assert pick_reason(debris, "React") == "Developers should choose React when its strengths match the project"


def test_contested_shows_both_sides(tiny_graph):
    r = why(tiny_graph, "pi", "qubit")
    assert r["contested"] and r["winner"] is None
    assert [s["winner"] for s in r["sides"]] == ["pi", "qubit"]
    assert [s["sources"][0].rsplit("/", 1)[-1] for s in r["sides"]] == ["pq.txt", "qp.txt"]
    assert r["summary"] == "The pages split evenly between Pi and Qubit; see both sides."


def test_derived_explains_chain_and_probability(tiny_graph):
    r = why(tiny_graph, "delta", "alpha")
    assert r["mode"] == "derived" and r["winner"] == "alpha" and r["loser"] == "delta"
    assert r["summary"].startswith("Alpha is predicted over Delta with probability 0.7")
    assert r["summary"].endswith("through the win chain Alpha beat Beta, Beta beat Gamma, Gamma beat Delta.")
    assert r["sides"][0]["sources"][0].endswith("ab.txt") and r["sides"][0]["verdict"] == []
    assert r["records"] == {"delta": {"wins": 0, "losses": 1}, "alpha": {"wins": 1, "losses": 0}}


def test_no_evidence(tiny_graph):
    r = why(tiny_graph, "xeno", "alpha")
    assert r["mode"] == "no evidence" and r["winner"] is None and r["sides"] == [] and r["probability"] is None
    assert r["summary"] == "No evidence to prefer Xeno or Alpha: nothing in the graph links Xeno and Alpha."


def test_data_contested_pair_sources(data_graph):
    r = why(data_graph, "postgresql", "mysql")
    assert r["contested"]
    assert {s["winner"] for s in r["sides"]} == {"postgresql", "mysql"}
    for s in r["sides"]:
        assert s["pros"] and all(p["source"].startswith("data") or "/data/" in p["source"] for p in s["pros"])
