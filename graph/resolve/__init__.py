"""Names → topics: which names and slugs are one topic.

* :mod:`.names` — slugs, plurals, the aliases file and the resolver;
* :mod:`.identity` — the identity lint: merges made, and likely duplicates not made.
"""
