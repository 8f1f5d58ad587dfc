"""Understanding, edited in the console: intents and their examples, entity annotations, synonyms,
the hand-kept jieba words and the typo table.

The training data stays in Rasa's YAML in ``data/`` as the one source: the console writes the
files directly (atomic replace under one lock, comments and order kept), so ``rasa train``,
``rasa test`` and git keep working; every change is in the audit log and can be reverted.
"""
