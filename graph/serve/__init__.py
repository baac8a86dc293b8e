"""``pickgraph serve``: the last build, live in the browser and over SPARQL.

:mod:`.state` loads a build and switches to a newer one atomically,
:mod:`.index` finds topics by the start of a name or alias, :mod:`.endpoint`
speaks the SPARQL 1.1 Protocol through :mod:`.runner` (a pool of query
processes with a time limit), and :mod:`.app` holds the routes. The JSON API
serves exactly what the CLI's ``--json`` prints, from the same functions.
"""
