"""The version of pickgraph, where every stage may read it (the build record, the RDF export's
provenance, ``pickgraph --version``) without importing the package's entry points above it."""

__version__ = "0.1.0"
