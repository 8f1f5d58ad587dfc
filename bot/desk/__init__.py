"""The service desk: tickets for conversations handed to a person, and the console staff use."""
