"""Listing, gating, activating and rolling back versions; every activation in the audit log.

**The gate.** A version whose held-out intent macro-F1 is more than 2 points (0.02) below the active
version's is not activated, nor one without an evaluation while the active one has one, unless
forced with a reason; the forced activation and its reason are audited (``model`` entries).

**Activation** changes the link ``models/assistant.tar.gz`` (one atomic rename, under a lock) and is
audited in the same step; the running assistant notices and switches without a failed request
(:mod:`bot.models.serving`). **Rollback** goes back to the version that was active before the current
one (the activation log, :func:`bot.models.store.activation_stack`); it is never gated.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.audit.log import record
from bot.db import session_scope
from bot.models import store, trainer
from bot.privacy import mask_pii

logger = logging.getLogger(__name__)

GATE_DROP = 0.02  # macro-F1 may fall by at most 2 points
MAX_REASON = 500
AUDIT_ENTITY = "model"


def summary(meta: Dict[str, Any], active: Optional[str], root: Optional[Path] = None) -> Dict[str, Any]:
    """What ``list --json`` and the console show of a version."""
    return {"version": meta.get("version"), "created": meta.get("created"), "macro_f1": meta.get("macro_f1"),
            "active": meta.get("version") == active, "by": meta.get("by"),
            "state": trainer.state_of(meta, root), "accuracy": meta.get("accuracy"),
            "fingerprint": meta.get("fingerprint"), "config": meta.get("config"),
            "adopted": bool(meta.get("adopted")), "error": meta.get("error")}


def versions(root: Optional[Path] = None) -> List[Dict[str, Any]]:
    active = store.active_version(root)
    found = []
    for version in store.all_versions(root):
        try:
            found.append(summary(store.read_meta(version, root), active, root))
        except store.ModelError:  # removed meanwhile
            continue
    return found


def gate(candidate: Dict[str, Any], active: Optional[Dict[str, Any]]) -> Optional[str]:
    """Why ``candidate`` may not replace ``active`` without force (None: it may)."""
    if active is None or active.get("macro_f1") is None:
        return None
    now_f1 = float(active["macro_f1"])
    if candidate.get("macro_f1") is None:
        return f"版本 {candidate.get('version')} 还没有评估结果，无法与当前版本（macro-F1 {now_f1:.3f}）比较"
    new_f1 = float(candidate["macro_f1"])
    if new_f1 < now_f1 - GATE_DROP - 1e-9:
        return (f"版本 {candidate.get('version')} 的意图 macro-F1 为 {new_f1:.3f}，"
                f"比当前版本 {active.get('version')} 的 {now_f1:.3f} 低 {(now_f1 - new_f1) * 100:.1f} 个百分点"
                f"（允许至多 {GATE_DROP * 100:.0f} 个）")
    return None


def _usable(version: str, root: Optional[Path]) -> Dict[str, Any]:
    meta = store.read_meta(version, root)
    state = trainer.state_of(meta, root)
    if state != "ready":
        words = {"queued": "还在排队", "training": "还在训练", "evaluating": "还在评估", "failed": "训练失败了",
                 "interrupted": "训练被中断了"}
        raise store.ModelError(f"版本 {version} {words.get(state, state)}，不能启用", 409)
    if not (store.version_dir(version, root) / store.MODEL_FILE).is_file():
        raise store.ModelError(f"版本 {version} 没有模型文件", 409)
    return meta


def _reason(force: bool, reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if force and not text:
        raise store.ModelError("强制启用必须填写理由", 400)
    if len(text) > MAX_REASON:
        raise store.ModelError(f"理由太长（最多 {MAX_REASON} 字）", 400)
    return mask_pii(text)


def activate(version: str, actor: str, source: str, force: bool = False, reason: Any = "",
             root: Optional[Path] = None) -> Dict[str, Any]:
    """Make ``version`` active (gate, audit, link); returns at once with ``{"version","previous","changed",
    "forced","since"}`` — :func:`bot.models.serving.wait_for` waits for the running assistant."""
    store.check_name(version)
    text = _reason(force, reason)
    store.adopt_legacy(actor, root)
    candidate = _usable(version, root)
    with store.exclusive("activate", root):
        previous = store.active_version(root)
        if previous == version:
            return {"version": version, "previous": previous, "changed": False, "forced": False, "since": time.time()}
        active_meta = store.read_meta(previous, root) if previous else None
        refusal = gate(candidate, active_meta)
        if refusal and not force:
            raise store.ModelError(f"{refusal}，未启用。确需启用，请填写理由后强制启用。", 409, gate=refusal)
        forced = bool(refusal)
        since = time.time()
        _switch_record(version, previous, actor, source, root, kind="activate", forced=forced, reason=text,
                       candidate=candidate, active_meta=active_meta, refusal=refusal)
    logger.info("%s activated model version %s (was %s)%s", actor, version, previous, " — forced" if forced else "")
    return {"version": version, "previous": previous, "changed": True, "forced": forced, "since": since}


def rollback(actor: str, source: str, root: Optional[Path] = None) -> Dict[str, Any]:
    """Go back to the version active before the current one (never gated)."""
    store.adopt_legacy(actor, root)
    with store.exclusive("activate", root):
        current = store.active_version(root)
        target = store.rollback_target(root)
        if target is None or current is None:
            raise store.ModelError("没有可以回滚到的上一个版本", 409)
        since = time.time()
        _switch_record(target, current, actor, source, root, kind="rollback",
                       candidate=store.read_meta(target, root), active_meta=store.read_meta(current, root))
    logger.info("%s rolled the model back from %s to %s", actor, current, target)
    return {"version": target, "previous": current, "changed": True, "forced": False, "since": since}


def _switch_record(version: str, previous: Optional[str], actor: str, source: str, root: Optional[Path], *,
                   kind: str, candidate: Dict[str, Any], active_meta: Optional[Dict[str, Any]], forced: bool = False,
                   reason: str = "", refusal: Optional[str] = None) -> None:
    """The audit entry and the link change in one step: the entry is committed only when the link moved,
    and the link is put back when the entry could not be committed."""
    f1 = candidate.get("macro_f1")
    words = {"activate": "强制启用" if forced else "启用", "rollback": "回滚到"}[kind]
    text = f"{words}模型版本 {version}" + (f"（macro-F1 {f1:.3f}）" if isinstance(f1, (int, float)) else "")
    if forced:
        text += f"；理由：{reason}"
    try:
        with session_scope() as session:
            record(session, actor=actor, source=source, entity=AUDIT_ENTITY, key=version,
                   action="force_activate" if forced else kind, summary=text,
                   before={"version": previous, "macro_f1": (active_meta or {}).get("macro_f1")},
                   after={"version": version, "macro_f1": f1, "forced": forced, "reason": reason or None,
                          "gate": refusal})
            store.set_active(version, root)
    except Exception:
        if store.active_version(root) == version and previous:
            store.set_active(previous, root)
        raise
    store.log_activation({"kind": kind, "version": version, "previous": previous, "by": actor, "source": source,
                          "forced": forced, "reason": reason or None}, root)


def revert_failed_switch(failed: str, serving: Optional[str], error: str, root: Optional[Path] = None) -> bool:
    """A running stack could not start ``failed``: put the link back on ``serving`` (what it still answers
    with) unless someone activated another version meanwhile. True when the link was put back."""
    with store.exclusive("activate", root):
        if store.active_version(root) != failed or not serving:
            return False
        last: Dict[str, Any] = next((e for e in reversed(store.activations(root))
                                     if e.get("kind") in ("activate", "rollback")), {})
        store.set_active(serving, root)
        store.log_activation({"kind": "failed", "undo": last.get("kind", "activate"), "version": failed,
                              "previous": serving, "by": "assistant", "error": error[:300]}, root)
    try:
        with session_scope() as session:
            record(session, actor="assistant", source="cli", entity=AUDIT_ENTITY, key=failed, action="switch_failed",
                   summary=f"模型版本 {failed} 未能启动（{error[:120]}），已恢复 {serving}",
                   before={"version": failed}, after={"version": serving, "error": error[:300]})
    except Exception:  # the link is what matters; the audit database may be what failed
        logger.exception("could not audit the failed switch to %s", failed)
    logger.error("switch to model version %s failed (%s); back on %s", failed, error, serving)
    return True
