"""The project's story runner: Rasa test stories played through the real NLU and action server.

``rasa test core`` feeds a story's written intent and entities into the tracker, so it never
checks what the NLU makes of the resident's words, nor what the action server does. This
runner sends each ``user:`` text through the REST webhook of the running stack (a fresh sender
per story), reads the tracker after every turn and compares:

- the intent the NLU predicted with the step's ``intent:``;
- the entities written in the step (``[text](entity)`` / ``[text]{"entity": .., "value": ..}``
  annotations, an ``entities:`` list, or the JSON of a ``/intent{...}`` button payload) with the
  entities of the parsed message (type and value; more entities are allowed);
- the actions run after the message (``action_listen``, ``action_session_start`` and
  ``action_extract_slots`` left out) with the story's ``action:`` steps, in order;
- every ``slot_was_set`` with the tracker's slot values at that point of the turn: before the
  turn's first action when written right after the user step, after the n-th action when
  written after the n-th ``action:`` step (a bare slot name: the slot has some value);
- optionally, text the bot's reply (its text or a button title) must contain, from the story's
  ``metadata: {bot_says: {<user text>: <text or list of texts>}}`` (story-level ``metadata`` is
  part of Rasa's story schema, so Rasa's reader and ``rasa data validate`` still accept the file).

A text starting with "/" is a button payload and is sent with ``metadata: {"button": true}``,
as the web page does. ``checkpoint``, ``or``, ``active_loop`` and ``bot`` steps are not
supported (the assistant has no forms; bot wording is checked with ``bot_says``).
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import requests
import yaml
from rasa.shared.nlu.training_data import entities_parser

IGNORED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_extract_slots"})
BUTTON_RE = re.compile(r"^/([A-Za-z_][\w]*)(\{.*\})?$", re.DOTALL)
ANY_VALUE = object()  # a bare slot name in slot_was_set: the slot has some value


@dataclass
class SlotCheck:
    after_actions: int  # how many of the turn's actions come before this check in the story
    slots: Dict[str, Any]


@dataclass
class Turn:
    written: str  # the user step as written (with annotations)
    text: str  # what the resident sends
    intent: Optional[str]
    entities: List[Tuple[str, Any]]
    button: bool
    actions: List[str] = field(default_factory=list)
    slot_checks: List[SlotCheck] = field(default_factory=list)
    bot_says: List[str] = field(default_factory=list)


@dataclass
class Story:
    name: str
    path: Path
    turns: List[Turn] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # what the runner cannot play, as written


def _button_entities(text: str) -> Optional[List[Tuple[str, Any]]]:
    match = BUTTON_RE.match(text)
    if not match:
        return None
    if not match.group(2):
        return []
    try:
        values = json.loads(match.group(2))
    except ValueError:
        return []
    return [(k, v) for k, v in values.items()] if isinstance(values, dict) else []


def _listed_entities(raw: Any) -> List[Tuple[str, Any]]:
    found: List[Tuple[str, Any]] = []
    for entity in raw or []:
        if isinstance(entity, dict):
            found.extend((k, v) for k, v in entity.items() if k not in ("role", "group"))
        else:
            found.append((str(entity), ANY_VALUE))
    return found


def _user_turn(step: Dict[str, Any]) -> Turn:
    written = str(step["user"]).strip()
    button = written.startswith("/")
    if button:
        text, entities = written, _button_entities(written) or []
    else:
        text = entities_parser.replace_entities(written)
        entities = [(e["entity"], e["value"]) for e in entities_parser.find_entities_in_training_example(written)]
    entities += _listed_entities(step.get("entities"))
    intent = step.get("intent")
    return Turn(written=written, text=text, intent=str(intent).strip() if intent else None,
                entities=entities, button=button)


def parse_story(raw: Dict[str, Any], path: Path) -> Story:
    story = Story(name=str(raw.get("story") or "<unnamed>"), path=path)
    turn: Optional[Turn] = None
    for number, step in enumerate(raw.get("steps") or [], start=1):
        where = f"step {number}"
        if not isinstance(step, dict):
            story.errors.append(f"{where}: not a mapping: {step!r}")
        elif "user" in step:
            turn = _user_turn(step)
            story.turns.append(turn)
        elif "intent" in step:
            story.errors.append(f"{where}: `intent: {step['intent']}` without `user:` - the runner needs the "
                                "resident's words to send them through the NLU")
        elif turn is None:
            story.errors.append(f"{where}: {step!r} before the first user step")
        elif "action" in step:
            turn.actions.append(str(step["action"]))
        elif "slot_was_set" in step and "checkpoint" not in step:
            slots: Dict[str, Any] = {}
            for slot in step["slot_was_set"] or []:
                if isinstance(slot, dict):
                    slots.update(slot)
                else:
                    slots[str(slot)] = ANY_VALUE
            turn.slot_checks.append(SlotCheck(len(turn.actions), slots))
        else:
            story.errors.append(f"{where}: {step!r} is not supported by the conversation runner "
                                "(user / intent / entities / action / slot_was_set only)")
    metadata = raw.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    for key, wanted in (metadata.get("bot_says") or {}).items():
        matching = [t for t in story.turns if str(key) in (t.text, t.written)]
        if not matching:
            story.errors.append(f"metadata.bot_says: no user step says {key!r}")
        for t in matching:
            t.bot_says.extend(str(w) for w in (wanted if isinstance(wanted, list) else [wanted]))
    return story


def load_stories(paths: Sequence[Path]) -> List[Story]:
    stories: List[Story] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        stories.extend(parse_story(raw, path) for raw in data.get("stories") or [])
    return stories


# ---------------------------------------------------------------------------------------------
# playing a story against the running stack


class StoryFailure(AssertionError):
    pass


def _fmt(value: Any) -> str:
    return "<any value>" if value is ANY_VALUE else json.dumps(value, ensure_ascii=False)


def _apply(slots: Dict[str, Any], event: Dict[str, Any]) -> None:
    kind = event.get("event")
    if kind == "slot":
        slots[str(event.get("name"))] = event.get("value")
    elif kind in ("reset_slots", "restart"):
        slots.clear()


class StoryPlayer:
    """Plays stories through the REST webhook of a running :class:`bot.runner.Stack`."""

    def __init__(self, rasa_url: str, api_token: str, timeout: float = 60.0,
                 log_dir: Optional[Path] = None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.api_token = api_token
        self.timeout = timeout
        self.log_dir = log_dir  # named in failure reports

    def send(self, sender: str, turn: Turn) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": sender, "message": turn.text}
        if turn.button:
            body["metadata"] = {"button": True}
        resp = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    def tracker(self, sender: str) -> Dict[str, Any]:
        resp = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                            params={"token": self.api_token, "include_events": "ALL"}, timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    def play(self, story: Story) -> None:
        """Raises :class:`StoryFailure` at the first turn that does not go as written."""
        if story.errors:
            raise StoryFailure(f"story {story.name!r} ({story.path.name}) cannot be played:\n  "
                               + "\n  ".join(story.errors))
        sender = f"story-{uuid.uuid4().hex[:12]}"
        seen = 0
        for number, turn in enumerate(story.turns, start=1):
            replies = self.send(sender, turn)
            events = self.tracker(sender).get("events") or []
            problems, seen = check_turn(turn, events, seen)
            if problems:
                report = _report(story, number, turn, replies, problems)
                if self.log_dir is not None:
                    report += f"\n  stack logs: {self.log_dir}"
                raise StoryFailure(report)


def check_turn(turn: Turn, events: List[Dict[str, Any]], seen: int) -> Tuple[List[str], int]:
    """The differences between ``turn`` and what the tracker recorded after event ``seen``."""
    user_at = next((i for i in range(seen, len(events)) if events[i].get("event") == "user"), None)
    if user_at is None:
        kinds = [e.get("name") or e.get("event") for e in events[seen:]]
        return [f"Rasa recorded no user message for this turn (new events: {kinds}); the NLU or the "
                "dialogue probably raised - see rasa.log in the stack logs"], len(events)
    user = events[user_at]
    parse = user.get("parse_data") or {}
    problems: List[str] = []

    intent = parse.get("intent") or {}
    if turn.intent is not None and intent.get("name") != turn.intent:
        ranking = ", ".join(f"{r.get('name')} {r.get('confidence', 0):.2f}"
                            for r in (parse.get("intent_ranking") or [])[:4])
        problems.append(f"intent: expected {turn.intent}, NLU predicted {intent.get('name')} "
                        f"({intent.get('confidence') or 0:.2f}; ranking: {ranking or '-'})")

    found = [(e.get("entity"), e.get("value")) for e in parse.get("entities") or []]
    for name, value in turn.entities:
        if not any(n == name and (value is ANY_VALUE or str(v) == str(value)) for n, v in found):
            shown = ", ".join(f"{n}={_fmt(v)}" for n, v in found) or "none"
            problems.append(f"entity: expected {name}={_fmt(value)}, NLU found: {shown}")

    slots: Dict[str, Any] = {}
    for event in events[:user_at]:
        _apply(slots, event)
    actions: List[str] = []
    snapshots: List[Dict[str, Any]] = []  # slots before each action of the turn, then at its end
    for event in events[user_at + 1:]:
        if event.get("event") == "action" and event.get("name") not in IGNORED_ACTIONS:
            snapshots.append(dict(slots))
            actions.append(str(event.get("name")))
        _apply(slots, event)
    snapshots.append(dict(slots))

    if actions != turn.actions:
        problems.append(f"actions: expected {turn.actions}, ran {actions}")
    for check in turn.slot_checks:
        state = snapshots[min(check.after_actions, len(snapshots) - 1)]
        where = "before the first action" if check.after_actions == 0 else \
            f"after {turn.actions[check.after_actions - 1]}"
        for name, value in check.slots.items():
            actual = state.get(name)
            if (actual is None) if value is ANY_VALUE else actual != value:
                problems.append(f"slot {name} {where}: expected {_fmt(value)}, tracker has {_fmt(actual)}")

    said = "\n".join(_said(e) for e in events[user_at + 1:] if e.get("event") == "bot")
    for wanted in turn.bot_says:
        if wanted not in said:
            problems.append(f"bot reply: expected its text or buttons to contain {wanted!r}")
    return problems, len(events)


def _said(event: Dict[str, Any]) -> str:
    """A bot message's text and its buttons' titles."""
    buttons = ((event.get("data") or {}).get("buttons")) or []
    return "\n".join([str(event.get("text") or ""), *(str(b.get("title") or "") for b in buttons)])


def _report(story: Story, number: int, turn: Turn, replies: List[Dict[str, Any]], problems: List[str]) -> str:
    said = "\n".join(str(r.get("text") or "") for r in replies if r.get("text")) or "(no text)"
    buttons = [b.get("title") for r in replies for b in r.get("buttons") or []]
    lines = [f"story {story.name!r} ({story.path.name}), turn {number} of {len(story.turns)}",
             f"  resident: {turn.text}" + ("   [button]" if turn.button else ""),
             "  bot:      " + said.replace("\n", "\n            ")]
    if buttons:
        lines.append(f"  buttons:  {buttons}")
    lines += [f"  ✗ {p}" for p in problems]
    return "\n".join(lines)


def story_files(root: Path) -> List[Path]:
    return [root / "tests" / "test_stories.yml", *sorted((root / "tests" / "stories").glob("test_*.yml"))]


__all__ = ["ANY_VALUE", "IGNORED_ACTIONS", "SlotCheck", "Story", "StoryFailure", "StoryPlayer", "Turn",
           "check_turn", "load_stories", "parse_story", "story_files"]
