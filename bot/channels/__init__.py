"""Custom Rasa input channels (WeChat, ...) and the helpers they share."""
