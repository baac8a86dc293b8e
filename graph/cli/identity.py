"""Placeholder: the identity commands land here."""

commands: list = []
