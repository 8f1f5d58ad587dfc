"""The FAQ knowledge base (常见问题库): entries of question, answer and department, kept in the
database with every change in the audit log, imported from spreadsheets, and searched by words
and character n-grams so that residents' own wording or a few keywords find the right entry.

* :mod:`bot.faq.store` — create, update, soft delete, restore, import (audited, one transaction);
* :mod:`bot.faq.sheet` — reading xlsx/csv by header text (formulas never evaluated);
* :mod:`bot.faq.search` — the live index, ``search`` and ``best_answer`` (the tuned threshold);
* :mod:`bot.faq.api` — the admin console page and JSON API; :mod:`bot.faq.cli` — ``python -m bot faq``.
"""
