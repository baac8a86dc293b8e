"""Placeholder: the rdf commands land here."""

commands: list = []
