"""Tables of the WeChat channel: de-duplication keys, offered choices, token cache, failures.

They live in the shared database so that every worker process sees the same state: WeChat
may deliver a retry of a message to another worker than the first attempt.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Text

from bot.db import Base


class DedupKey(Base):
    """A message already seen (MsgId, or openid + CreateTime for events), inserted first."""

    __tablename__ = "wechat_dedup_key"

    key = Column(String(200), primary_key=True)  # unique: concurrent inserts race safely
    created_at = Column(Float, nullable=False)
    expires_at = Column(Float, nullable=False, index=True)


class OfferedChoices(Base):
    """The numbered buttons last shown to a resident, so that a reply "2" selects one."""

    __tablename__ = "wechat_offered_choices"

    openid = Column(String(128), primary_key=True)
    choices = Column(JSON, nullable=False)  # [{"title": "...", "payload": "..."}]
    created_at = Column(Float, nullable=False)


class AccessToken(Base):
    """The account's access_token, shared by all workers so they do not revoke each other's."""

    __tablename__ = "wechat_access_token"

    appid = Column(String(64), primary_key=True)
    token = Column(String(1024), nullable=False)
    expires_at = Column(Float, nullable=False)
    fetched_at = Column(Float, nullable=False)


class DeliveryFailure(Base):
    """A 客服 message WeChat refused (45015 outside the 48 h window, quota, ...), for operators."""

    __tablename__ = "wechat_delivery_failure"

    id = Column(Integer, primary_key=True, autoincrement=True)
    openid = Column(String(128), nullable=False, index=True)
    errcode = Column(Integer, nullable=False)  # -2 = network error, no WeChat errcode
    errmsg = Column(String(500), nullable=False, default="")
    preview = Column(Text, nullable=False, default="")  # start of the undelivered text
    created_at = Column(Float, nullable=False, index=True)
