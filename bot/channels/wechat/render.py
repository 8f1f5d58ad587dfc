"""Turn Rasa's bot messages into WeChat text: one text per turn, buttons as numbered choices.

WeChat Official Accounts have no buttons in passive or 客服 text replies, so a button becomes
"1. 标题" and the offered payloads are remembered per openid; the resident answers "1".
"""
from __future__ import annotations

import json
import logging
import unicodedata
from typing import Any, Dict, List, Optional, Tuple

logger = logging.getLogger(__name__)

MAX_TEXT_BYTES = 2000  # WeChat's text limit is 2048 bytes (UTF-8); keep a margin
CHOICE_HINT = "（回复数字即可选择）"


def _button_lines(buttons: List[Dict[str, Any]], choices: List[Dict[str, str]]) -> List[str]:
    lines: List[str] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = button.get("payload")
        url = button.get("url")
        if payload is None and url:
            lines.append(f"{title}：{url}" if title else str(url))
            continue
        if payload is None and not title:
            continue
        choices.append({"title": title, "payload": str(payload if payload is not None else title)})
        lines.append(f"{len(choices)}. {title or choices[-1]['payload']}")
    return lines


def render_messages(messages: List[Dict[str, Any]]) -> Tuple[str, List[Dict[str, str]]]:
    """``(text, choices)`` for the messages a CollectingOutputChannel gathered in one turn."""
    parts: List[str] = []
    choices: List[Dict[str, str]] = []
    for message in messages:
        lines: List[str] = []
        if message.get("text"):
            lines.append(str(message["text"]).strip())
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if buttons:
            numbered = _button_lines(list(buttons), choices)
            if numbered:
                lines.extend(numbered)
                if any(line[:1].isdigit() for line in numbered):
                    lines.append(CHOICE_HINT)
        if message.get("image"):
            lines.append(f"图片：{message['image']}")
        if message.get("attachment"):
            attachment = message["attachment"]
            shown = attachment if isinstance(attachment, str) else json.dumps(attachment, ensure_ascii=False)
            lines.append(f"附件：{shown}")
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("text"), str):
            lines.append(custom["text"].strip())
        elif custom is not None:
            logger.debug("custom payload without text is not shown in wechat")
        if lines:
            parts.append("\n".join(line for line in lines if line))
    return "\n\n".join(part for part in parts if part), choices


def choose(content: str, choices: List[Dict[str, str]]) -> Optional[Dict[str, str]]:
    """The offered choice a resident picked by number ("2", "２", "2.") or by its exact title."""
    if not choices:
        return None
    answer = unicodedata.normalize("NFKC", content).strip().rstrip(".、。)）").strip()
    if answer.isdigit():
        number = int(answer)
        return choices[number - 1] if 1 <= number <= len(choices) else None
    for choice in choices:
        if choice.get("title") and answer == unicodedata.normalize("NFKC", choice["title"]).strip():
            return choice
    return None


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(text: str, max_bytes: int) -> List[str]:
    chunks: List[str] = []
    current = ""
    for char in text:
        if _utf8_len(current + char) > max_bytes:
            chunks.append(current)
            current = ""
        current += char
    if current:
        chunks.append(current)
    return chunks


def split_text(text: str, max_bytes: int = MAX_TEXT_BYTES) -> List[str]:
    """Chunks of at most ``max_bytes`` UTF-8 bytes, cut at paragraphs, then lines, then characters."""
    text = text.strip()
    if not text:
        return []
    if _utf8_len(text) <= max_bytes:
        return [text]
    chunks: List[str] = []
    current = ""
    separator = "\n\n" if "\n\n" in text else "\n"
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if _utf8_len(candidate) <= max_bytes:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if _utf8_len(piece) <= max_bytes:
            current = piece
        else:
            parts = split_text(piece, max_bytes) if separator == "\n\n" else _hard_split(piece, max_bytes)
            chunks.extend(parts[:-1])
            current = parts[-1] if parts else ""
    if current:
        chunks.append(current)
    return [chunk.strip() for chunk in chunks if chunk.strip()]
