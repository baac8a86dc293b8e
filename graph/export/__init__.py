"""Exports: one registry (:mod:`.registry`), one module per format.

* :mod:`.graphml` — GraphML for Gephi, yEd, networkx and igraph;
* :mod:`.edges` — the edge list as CSV and KGTK TSV;
* :mod:`.html` — the interactive, offline HTML page (pyvis), with its ``templates/``;
* RDF syntaxes live in :mod:`graph.rdf`.
"""
