"""Placeholder: the html commands land here."""

commands: list = []
