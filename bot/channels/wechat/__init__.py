"""WeChat Official Account (公众号) input channel for Rasa.

Rasa loads :class:`bot.channels.wechat.channel.WeChatInput` from ``credentials.yml`` by
module path.  This package file imports nothing heavy so that ``bot.stores`` can import
``bot.channels.wechat.models`` without pulling in Rasa or Sanic.
"""
