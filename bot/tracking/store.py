"""Rasa's own ``SQLTrackerStore`` with one change: each event is masked as it is written.

Registered in endpoints.yml as ``type: bot.tracking.store.MaskingSQLTrackerStore``. Rasa keeps the
turn's tracker in memory from the message to the end of the prediction loop and writes only then
(``MessageProcessor.handle_message`` → ``save_tracker``), so actions of the same turn — a phone
number given to a form and filed by the form's submit action — see the resident's words in full;
what lands in the ``events`` table, and what any later turn, the desk or an export reads back, is
masked (身份证号 keeps its region, 手机号 138****5678, bank cards their first and last four).

This is an event-level filter before storage, not encryption: the full numbers are nowhere in the
tracker database. Where they must be kept (a call-back number), the feature stores them in its own
table, shown masked and revealed only by a logged action.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from bot.config import get_settings, mask_url
from bot.tracking.masking import mask_event

logger = logging.getLogger(__name__)


class MaskedEvent:
    """What ``SQLTrackerStore.save`` reads of an event (``type_name``, ``as_dict()``), masked."""

    __slots__ = ("_data", "type_name")

    def __init__(self, event: Event) -> None:
        self.type_name = event.type_name
        self._data = mask_event(event.as_dict())

    def as_dict(self) -> Dict[str, Any]:
        return self._data


class MaskingSQLTrackerStore(SQLTrackerStore):
    """``url`` in endpoints.yml, else ``TRACKER_DB_URL``, else beside the SQLite application database
    (``var/assistant.trackers.db``) or in the same PostgreSQL database (table ``events``)."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        url = host or get_settings().tracker_db_url
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # WAL: the privacy CLI may read while Rasa writes; NORMAL sync is safe with WAL and saves
            # an fsync per turn
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        else:
            self._ping_before_use()
        logger.info("conversations stored in %s (personal numbers masked)", mask_url(url))

    def _ping_before_use(self) -> None:
        """Rasa makes its engine without ``pool_pre_ping``: after a database restart every pooled
        connection is dead and the first turn on each fails. The same engine again, pinging each
        connection as it leaves the pool (a dead one is replaced), as bot.db's engines do."""
        from rasa.core.tracker_store import create_engine_kwargs
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        made_by_rasa: Engine = self.engine  # type: ignore[has-type]
        url = made_by_rasa.url
        made_by_rasa.dispose()
        self.engine = create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        # the count of stored events decides which are new, exactly as in Rasa; one row per event
        for event in super()._additional_events(session, tracker):
            yield MaskedEvent(event)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
