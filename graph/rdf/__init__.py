"""The vocabulary, the one mapping from records to RDF statements, and its syntaxes."""
