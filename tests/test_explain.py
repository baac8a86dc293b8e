"""why(): the winner, its verdict and pros with sources, never placeholder cons or debris."""

from graph.explain import clean_verdict, format_why, why
from graph.kg import build_graph
from graph.kg import find_topic
from graph.read.model import ReadReport
from graph.read import parse_text
from graph.read.render import render_comparison


def test_seeds_model_robustness(seeds_graph):
    a, b = find_topic(seeds_graph, "Model Robustness"), find_topic(seeds_graph, "Model Interpretability")
    r = why(seeds_graph, a, b)
    assert r["mode"] == "direct" and r["winner"] == "model-robustness" and r["loser"] == "model-interpretability"
    side = r["sides"][0]
    assert side["winner"] == "model-robustness"
    assert side["verdict"][0]["text"].startswith("Use Model Robustness if: You want it is essential for mitigating")
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


def test_clean_verdict():
    assert clean_verdict("You prioritize small images and fast builds over what Docker offers.") == \
        "You prioritize small images and fast builds over what Docker offers"
    assert clean_verdict("You want (e and can live with specific tradeoffs depend on your use case.") is None


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
