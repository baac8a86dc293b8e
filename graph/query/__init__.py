"""The query stage: questions over a built graph.

* :mod:`.topics` — one topic's card and the list of topics;
* :mod:`.compare`, :mod:`.explain` — direct and derived comparisons, and why a pick won;
* :mod:`.suggest` — "you might also compare", with reasons;
* :mod:`.rank` — the Bradley–Terry fit and win chains; :mod:`.models` keeps a graph's fit and
  suggestion index, made once and passed to the functions above;
"""
