"""``pickgraph serve``: the last build, live in the browser and over SPARQL.

:mod:`.main` starts it, :mod:`.state` loads a build and switches to a newer one
atomically, :mod:`.app` holds the routes (the explorer, the JSON API, the SPARQL
1.1 Protocol), :mod:`.runner` runs SPARQL queries in processes with a time limit,
:mod:`.cache` keeps their answers per build, :mod:`.results` writes their rows,
:mod:`.neighbours`
gives the explorer a topic's neighbourhood, :mod:`.origins` keeps other sites' pages
out (but those named with ``--cors``), :mod:`.http` bounds what each connection holds.
The JSON API's routes and the CLI's query commands are made from one table
(:mod:`graph.query.api`): a route serves exactly what the command's ``--json`` prints. Reference: docs/serve.md.
"""
