"""Open government data: portal adapters (CKAN now), a database cache, sync and answers.

Actions never call a portal: ``python -m bot opendata sync`` fetches, validates and swaps each
dataset into the cache (:mod:`bot.opendata.models`); answers read only the cache.
"""
