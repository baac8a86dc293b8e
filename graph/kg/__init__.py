"""Records → the networkx graph of topics.

* :mod:`.facts` — what each page adds to the graph, and the accumulator of a build;
* :mod:`.graph` — the :class:`networkx.MultiDiGraph` of topics, its edges and lookups.
"""
