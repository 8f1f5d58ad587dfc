"""Filing a resident's work order: mask, route, set the deadlines, store.

:func:`submit` is what the conversation calls once the intake form is complete. It runs in the
caller's thread (the action server runs it in a worker thread): the router is loaded once per
process behind a lock and classifies in a few milliseconds, the store opens its own session, and
nothing but plain data comes back.

Routing: the matter and the place go to ``route(..., name="department")``. When the router is not
sure (``Routing.triage``), has no active model (``StoreError``) or fails, the order goes to the
desk's manual triage queue with no department; the router's best guess and confidence are kept
for the person triaging.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional, Tuple

from bot.privacy import mask_pii
from bot.routing.router import Routing, route
from bot.routing.store import StoreError
from bot.workorders.models import CATEGORIES
from bot.workorders.policy import PolicyError, load_policy
from bot.workorders.store import WorkOrderError, WorkOrderInfo, file_order, routing_text, utcnow

logger = logging.getLogger(__name__)

ROUTER_NAME = "department"


def _route(text: str) -> Tuple[Optional[Routing], str]:
    """The router's answer, or None and why not (the order is then triaged)."""
    try:
        return route(text, name=ROUTER_NAME), ""
    except StoreError as exc:
        return None, str(exc)
    except Exception as exc:  # a broken model file must not stop a resident's order: triage it
        logger.exception("work-order routing failed: triaging")
        return None, f"路由出错：{type(exc).__name__}"


def submit(channel: str, sender_id: str, category: str, what: str, *, district: Optional[str] = None,
           place: Optional[str] = None, when_text: Optional[str] = None, phone: Optional[str] = None,
           now: Optional[datetime] = None) -> WorkOrderInfo:
    """File the order: routed to a department, or to the manual triage queue; deadlines from the policy.

    Raises :class:`bot.workorders.store.WorkOrderError` for a category that is not one of
    投诉求助 / 建言 / 咨询 or an empty matter (nothing is filed then).
    """
    if category not in CATEGORIES:
        raise WorkOrderError(f"诉求类型应为 {'、'.join(CATEGORIES)} 之一")
    masked_what = mask_pii(" ".join((what or "").split()))
    if not masked_what:
        raise WorkOrderError("请说明发生了什么")
    now = now or utcnow()
    masked_place = mask_pii(" ".join((place or "").split())) or None
    routing, why_not = _route(routing_text(masked_what, masked_place))
    if routing is None:
        logger.info("work order triaged without a router: %s", why_not)
    first_due = handle_due = None
    try:
        deadlines = load_policy().deadlines(category, now)
        first_due, handle_due = deadlines.first_response, deadlines.handling
    except PolicyError as exc:  # the order is still filed; the desk sees it has no deadline
        logger.error("work-order policy unavailable, filing without deadlines: %s", exc)
    decided = routing is not None and not routing.triage
    return file_order(
        channel, sender_id, category, masked_what, district=district, place=masked_place, when_text=when_text,
        phone=phone, now=now, department=routing.label if decided and routing else None,
        confidence=routing.confidence if routing else None, triage=not decided,
        suggested=routing.label if routing else None, router_model=routing.model if routing else None,
        due_at=first_due, handle_due_at=handle_due)
