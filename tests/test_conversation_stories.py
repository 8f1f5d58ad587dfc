"""Conversation tests in Rasa's test-story format, played through the real NLU and action server.

Every story in tests/test_stories.yml and tests/stories/test_*.yml is one test (id: the story
name). The resident's words go through the REST webhook of the running stack and the tracker is
checked after every turn: predicted intent, entities, the actions run, slot values and,
optionally, words of the bot's reply (tests/support/stories.py describes the checks).
"""
from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path
from typing import List

import pytest

from tests.support.stories import Story, StoryFailure, StoryPlayer, load_stories, story_files

ROOT = Path(__file__).resolve().parent.parent
STORY_FILES = story_files(ROOT)
STORIES: List[Story] = load_stories(STORY_FILES)


@pytest.fixture(scope="module")
def player(rasa_stack) -> StoryPlayer:  # type: ignore[no-untyped-def]
    return StoryPlayer(rasa_stack.rasa_url, rasa_stack.api_token, log_dir=rasa_stack.log_dir)


@pytest.mark.parametrize("story", STORIES, ids=[s.name for s in STORIES])
def test_story(story: Story, player: StoryPlayer) -> None:
    try:
        player.play(story)
        return
    except StoryFailure as failure:
        report = str(failure)
    pytest.fail(report, pytrace=False)


def test_story_files_are_valid_rasa_test_stories() -> None:
    """Rasa's own reader accepts every file without a warning, and every name is in the domain."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    domain = Domain.load(str(ROOT / "domain.yml"))
    problems: List[str] = []
    for path in STORY_FILES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            steps = YAMLStoryReader(domain, source_name=str(path)).read_from_file(str(path))
        problems += [f"{path.name}: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
        if not steps:
            problems.append(f"{path.name}: no stories")
    known_actions = set(domain.action_names_or_texts)
    for story in STORIES:
        for turn in story.turns:
            problems += [f"{story.name}: unknown intent {turn.intent}"
                         for _ in [0] if turn.intent and turn.intent not in domain.intents]
            problems += [f"{story.name}: unknown action {a}" for a in turn.actions if a not in known_actions]
            problems += [f"{story.name}: unknown slot {s}" for c in turn.slot_checks for s in c.slots
                         if s not in {slot.name for slot in domain.slots}]
            problems += [f"{story.name}: unknown entity {e}" for e, _ in turn.entities if e not in domain.entities]
        problems += [f"{story.name}: {e}" for e in story.errors]
    duplicates = [name for name, n in Counter(s.name for s in STORIES).items() if n > 1]
    problems += [f"story name used twice (test ids must be unique): {name}" for name in duplicates]
    assert not problems, "\n".join(problems)


def test_runner_compares_intent_entities_actions_slots_and_reply() -> None:
    """The checks themselves, on a recorded tracker (no stack): a wrong story is reported in full."""
    from tests.support.stories import check_turn, parse_story

    story = parse_story({"story": "s", "steps": [
        {"user": "办[居住证]{\"entity\": \"service\", \"value\": \"居住证首次申领\"}要带啥", "intent": "ask_fee",
         "entities": [{"district": "南港区"}]},
        {"slot_was_set": [{"service": "居住证签注"}]},
        {"action": "utter_ok"},
        {"slot_was_set": [{"situation": "work"}]},
    ], "metadata": {"bot_says": {"办居住证要带啥": "收费标准"}}}, Path("s.yml"))
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "办居住证要带啥", "parse_data": {
            "intent": {"name": "ask_materials", "confidence": 0.99},
            "entities": [{"entity": "service", "value": "居住证首次申领"}]}},
        {"event": "action", "name": "action_extract_slots"},
        {"event": "slot", "name": "service", "value": "居住证首次申领"},
        {"event": "action", "name": "action_answer_service"},
        {"event": "bot", "text": "【居住证首次申领】所需材料", "data": {"buttons": [{"title": "合法稳定就业"}]}},
        {"event": "slot", "name": "situation", "value": "study"},
        {"event": "action", "name": "action_listen"},
    ]
    problems, seen = check_turn(story.turns[0], events, 0)
    assert seen == len(events)
    assert [p.split(":")[0] for p in problems] == [
        "intent", "entity", "actions", "slot service before the first action", "slot situation after utter_ok",
        "bot reply"]
    assert "NLU predicted ask_materials" in problems[0]
    assert "district=\"南港区\"" in problems[1]
    assert "居住证签注" in problems[3] and "居住证首次申领" in problems[3]
    assert '"study"' in problems[4]
