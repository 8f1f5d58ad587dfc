"""Chinese language understanding: text normalisation, the registry vocabulary, Rasa components."""
