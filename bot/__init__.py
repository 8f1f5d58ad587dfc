"""Everything of the citizen service assistant that is not a Rasa action."""
