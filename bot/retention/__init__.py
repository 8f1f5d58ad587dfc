"""Residents' personal data over time (个人信息保护法): export and deletion on request, and the purge of
what is past retention (``python -m bot privacy``). Reads the stores' own tables; owns none."""
