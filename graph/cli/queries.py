"""Placeholder: the queries commands land here."""

commands: list = []
