"""The one place that reads and writes the WeChat channel's tables.

Every function opens its own short transaction (``session_scope``) and is synchronous;
the async channel code calls them through ``asyncio.to_thread`` so the event loop never
waits on the database.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.wechat.models import AccessToken, DedupKey, DeliveryFailure, OfferedChoices
from bot.db import session_scope

logger = logging.getLogger(__name__)


class WeChatRepository:
    """Queries on one session; use the module functions below for one-shot transactions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # de-duplication ---------------------------------------------------------
    def insert_key(self, key: str, ttl: float, now: float) -> None:
        """Insert ``key``; raises IntegrityError (at flush) if a live copy exists."""
        self.session.execute(delete(DedupKey).where(DedupKey.key == key, DedupKey.expires_at <= now))
        self.session.add(DedupKey(key=key, created_at=now, expires_at=now + ttl))
        self.session.flush()

    def delete_key(self, key: str) -> None:
        self.session.execute(delete(DedupKey).where(DedupKey.key == key))

    def purge(self, now: float, choices_max_age: float) -> int:
        expired = self.session.execute(delete(DedupKey).where(DedupKey.expires_at <= now)).rowcount or 0
        self.session.execute(delete(OfferedChoices).where(OfferedChoices.created_at <= now - choices_max_age))
        return int(expired)

    def key_count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(DedupKey)) or 0)

    # offered choices --------------------------------------------------------
    def set_choices(self, openid: str, choices: List[Dict[str, str]], now: float) -> None:
        self.session.execute(delete(OfferedChoices).where(OfferedChoices.openid == openid))
        if choices:
            self.session.add(OfferedChoices(openid=openid, choices=choices, created_at=now))

    def choices(self, openid: str, max_age: float, now: float) -> List[Dict[str, str]]:
        row = self.session.get(OfferedChoices, openid)
        if row is None or row.created_at < now - max_age:
            return []
        return list(row.choices or [])

    # access token -----------------------------------------------------------
    def token(self, appid: str) -> Optional[Tuple[str, float]]:
        row = self.session.get(AccessToken, appid)
        return (row.token, row.expires_at) if row else None

    def set_token(self, appid: str, token: str, expires_at: float, now: float) -> None:
        self.session.execute(delete(AccessToken).where(AccessToken.appid == appid))
        self.session.add(AccessToken(appid=appid, token=token, expires_at=expires_at, fetched_at=now))

    # delivery failures ------------------------------------------------------
    def add_failure(self, openid: str, errcode: int, errmsg: str, preview: str, now: float) -> None:
        self.session.add(
            DeliveryFailure(openid=openid, errcode=errcode, errmsg=errmsg[:500], preview=preview[:200], created_at=now)
        )

    def failures(self, openid: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
        query = select(DeliveryFailure).order_by(DeliveryFailure.id.desc()).limit(limit)
        if openid:
            query = query.where(DeliveryFailure.openid == openid)
        return [
            {"openid": f.openid, "errcode": f.errcode, "errmsg": f.errmsg, "preview": f.preview,
             "created_at": f.created_at}
            for f in self.session.scalars(query)
        ]


# one-shot helpers ------------------------------------------------------------
def claim_key(key: str, ttl: float, now: Optional[float] = None) -> bool:
    """True for the first claim of ``key`` within ``ttl`` seconds, False for every later one."""
    now = time.time() if now is None else now
    try:
        with session_scope() as session:
            WeChatRepository(session).insert_key(key, ttl, now)
        return True
    except IntegrityError:
        return False


def release_key(key: str) -> None:
    with session_scope() as session:
        WeChatRepository(session).delete_key(key)


def purge_expired(choices_max_age: float, now: Optional[float] = None) -> int:
    with session_scope() as session:
        return WeChatRepository(session).purge(time.time() if now is None else now, choices_max_age)


def dedup_key_count() -> int:
    with session_scope() as session:
        return WeChatRepository(session).key_count()


def save_choices(openid: str, choices: List[Dict[str, str]], now: Optional[float] = None) -> None:
    try:
        with session_scope() as session:
            WeChatRepository(session).set_choices(openid, choices, time.time() if now is None else now)
    except IntegrityError:  # two turns of the same resident racing: either list is fine
        logger.debug("choices for a resident were written concurrently")


def load_choices(openid: str, max_age: float, now: Optional[float] = None) -> List[Dict[str, str]]:
    with session_scope() as session:
        return WeChatRepository(session).choices(openid, max_age, time.time() if now is None else now)


def load_token(appid: str) -> Optional[Tuple[str, float]]:
    with session_scope() as session:
        return WeChatRepository(session).token(appid)


def store_token(appid: str, token: str, expires_at: float, now: Optional[float] = None) -> None:
    try:
        with session_scope() as session:
            WeChatRepository(session).set_token(appid, token, expires_at, time.time() if now is None else now)
    except IntegrityError:  # another worker stored one at the same moment; theirs is as good
        logger.debug("access token stored concurrently by another worker")


def record_failure(openid: str, errcode: int, errmsg: str, preview: str = "", now: Optional[float] = None) -> None:
    with session_scope() as session:
        WeChatRepository(session).add_failure(openid, errcode, errmsg, preview, time.time() if now is None else now)


def list_failures(openid: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
    with session_scope() as session:
        return WeChatRepository(session).failures(openid, limit)
