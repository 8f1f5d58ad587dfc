"""Analytics of the stored conversations (Rasa's ``events`` table), desk tickets and 好差评 ratings:
daily figures, top services and intents, fallback and handoff rates, satisfaction; CSV and charts in
the admin console, and the weekly anonymised open dataset (``python -m bot analytics export``)."""
