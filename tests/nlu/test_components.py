"""The Rasa graph components in bot/nlu/components.py: ChineseNormalizer and EmptyMessageClassifier.

The components are built the way Rasa builds them — ``create(config, model_storage, resource,
execution_context)`` with a real LocalModelStorage, the default config merged with the one in
config.yml by Rasa's own ``override_defaults`` — and run on real ``Message`` objects and real
``TrainingData`` read by Rasa's YAML reader. The normalisation functions themselves are tested in
test_textnorm.py; here it is the component layer: config plumbing, which attribute is rewritten,
training data with entity offsets, and what reaches the intent.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphNode, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.common import override_defaults

from bot.config import PROJECT_ROOT
from bot.nlu.components import ChineseNormalizer, EmptyMessageClassifier

NORMALIZER_NAME = "bot.nlu.components.ChineseNormalizer"
EMPTY_NAME = "bot.nlu.components.EmptyMessageClassifier"


def pipeline_entry(name: str) -> Dict[str, Any]:
    """The component's entry in the project's config.yml, without its name."""
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    entry = next(item for item in config["pipeline"] if item["name"] == name)
    return {key: value for key, value in entry.items() if key != "name"}


@pytest.fixture
def model_storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path / "model_storage")


@pytest.fixture
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), model_id="test-components")


def build_normalizer(model_storage: LocalModelStorage, context: ExecutionContext,
                     **overrides: Any) -> ChineseNormalizer:
    config = override_defaults(ChineseNormalizer.get_default_config(), {**pipeline_entry(NORMALIZER_NAME), **overrides})
    return ChineseNormalizer.create(config, model_storage, Resource("chinese_normalizer"), context)


@pytest.fixture
def normalizer(model_storage: LocalModelStorage, context: ExecutionContext) -> ChineseNormalizer:
    """Configured exactly as in config.yml."""
    return build_normalizer(model_storage, context)


@pytest.fixture
def empty_classifier(model_storage: LocalModelStorage, context: ExecutionContext) -> EmptyMessageClassifier:
    config = override_defaults(EmptyMessageClassifier.get_default_config(), pipeline_entry(EMPTY_NAME))
    return EmptyMessageClassifier.create(config, model_storage, Resource("empty_classifier"), context)


def run(component: Any, *texts: Optional[str]) -> List[Message]:
    messages = [Message(data={TEXT: text}) if text is not None else Message(data={}) for text in texts]
    returned = component.process(messages)
    assert returned is messages or returned == messages
    return returned


def texts_after(component: ChineseNormalizer, *texts: str) -> List[str]:
    return [message.get(TEXT) for message in run(component, *texts)]


# --- ChineseNormalizer.process ---------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("ｗｗｗ　社保卡？", "www 社保卡?"),  # full-width letters, ideographic space, full-width ?
    ("１２３４５", "12345"),  # full-width digits
    ("護照過期了怎麼辦", "护照过期了怎么办"),  # traditional
    ("身份證", "身份证"),
    ("居住证办理😀🙏", "居住证办理"),  # emoji
    ("办理\u200b护照", "办理护照"),  # zero-width space inside a word
    ("\u202e护照", "护照"),  # a bidi override control character
    ("shebaoka", "社保卡"),  # pinyin, with the project lexicon from config.yml
    ("ｈｕｚｈａｏ", "护照"),  # full-width pinyin
    ("HUZHAO", "护照"),  # upper-case pinyin
    ("gongjijin tiqu", "公积金提取"),
    ("身分证和户囗", "身份证和户口"),  # two entries of the typo table
    ("港奥通信证", "港澳通行证"),
    ("ETC怎么办", "ETC怎么办"),  # an abbreviation is not pinyin
    ("Passport", "Passport"),  # an English word is not pinyin
])
def test_process_normalises_the_text_attribute(normalizer: ChineseNormalizer, raw: str, expected: str) -> None:
    assert texts_after(normalizer, raw) == [expected]


def test_process_handles_a_batch_message_by_message(normalizer: ChineseNormalizer) -> None:
    """Several messages in one call (Rasa batches): each gets its own result, in order."""
    assert texts_after(normalizer, "護照", "", "😀", "shebaoka", "護照") == ["护照", "", "", "社保卡", "护照"]


def test_process_leaves_a_message_without_text_alone(normalizer: ChineseNormalizer) -> None:
    """A message with only an intent (as Rasa builds from story steps) gets no text attribute."""
    message = Message(data={INTENT: {INTENT_NAME_KEY: "greet"}})
    normalizer.process([message])
    assert TEXT not in message.data
    assert message.get(INTENT) == {INTENT_NAME_KEY: "greet"}


def test_process_only_rewrites_the_text(normalizer: ChineseNormalizer) -> None:
    """Other attributes of the message (metadata, entities set upstream) are not touched."""
    message = Message(data={TEXT: "護照", "metadata": {"button": True}, ENTITIES: [{"entity": "x", "value": "護照"}]})
    normalizer.process([message])
    assert message.get(TEXT) == "护照"
    assert message.get("metadata") == {"button": True}
    assert message.get(ENTITIES) == [{"entity": "x", "value": "護照"}]


@pytest.mark.parametrize("payload", [
    '/inform{"service": "護照"}',  # traditional inside: a vetted payload is not rewritten
    '/inform{"district": "东湖区"}',
    "/affirm",
    "/inform{" + '"service": "' + "办" * 800 + '"}',  # longer than max_chars: not cut either
])
def test_a_button_payload_is_kept_exactly(normalizer: ChineseNormalizer, payload: str) -> None:
    """The channel let these through as bot buttons; RegexMessageHandler must still read them."""
    assert texts_after(normalizer, payload) == [payload]


@pytest.mark.parametrize("escaped", ["／restart", "／／restart", "  ／restart", "／session_start"])
def test_an_escaped_slash_does_not_turn_back_into_a_command(normalizer: ChineseNormalizer, escaped: str) -> None:
    """Hostile: what the channel guard made of a typed "/restart"; full-width→half-width must not
    revive it, and a typed command leaves no words, so the bot asks for words instead of guessing."""
    (text,) = texts_after(normalizer, escaped)
    assert text == ""


def test_an_escaped_slash_before_real_words_keeps_the_words(normalizer: ChineseNormalizer) -> None:
    (text,) = texts_after(normalizer, "／我要办护照")
    assert text == "我要办护照"


@pytest.mark.parametrize("raw", ["办" * 10_000, "护照" * 3_000 + "😀" * 3_000, "ａ" * 5_000, "护 " * 5_000])
def test_huge_text_is_capped_at_max_chars_from_config(normalizer: ChineseNormalizer, raw: str) -> None:
    """Huge input, also with emoji, full-width letters and spaces that vanish on the way."""
    (text,) = texts_after(normalizer, raw)
    assert len(text) == pipeline_entry(NORMALIZER_NAME)["max_chars"] == 500


def test_max_chars_comes_from_the_component_config(model_storage: LocalModelStorage,
                                                    context: ExecutionContext) -> None:
    short = build_normalizer(model_storage, context, max_chars=12)
    assert texts_after(short, "護照" * 100) == ["护照" * 6]
    assert texts_after(short, "护照") == ["护照"]  # shorter text is not padded or cut


def test_max_chars_given_as_text_is_accepted(model_storage: LocalModelStorage, context: ExecutionContext) -> None:
    """A YAML config may carry "8" as a string."""
    assert texts_after(build_normalizer(model_storage, context, max_chars="8"), "办" * 50) == ["办" * 8]


def test_default_config_points_at_the_project_lexicon_and_typo_table() -> None:
    defaults = ChineseNormalizer.get_default_config()
    assert (PROJECT_ROOT / defaults["lexicon_dir"]).is_dir()
    assert (PROJECT_ROOT / defaults["corrections"]).is_file()
    assert defaults["max_chars"] == 500


def test_relative_paths_resolve_against_the_project_not_the_working_directory(
        model_storage: LocalModelStorage, context: ExecutionContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa may be started from another directory: pinyin and typos must still work."""
    monkeypatch.chdir(tmp_path)
    normalizer = build_normalizer(model_storage, context)
    assert texts_after(normalizer, "shebaoka", "身分证") == ["社保卡", "身份证"]


def test_without_lexicon_and_typo_table_only_pinyin_and_typos_are_off(
        model_storage: LocalModelStorage, context: ExecutionContext, tmp_path: Path) -> None:
    """Config with no lexicon and a missing typo file: built without error, width/script/emoji still done."""
    bare = build_normalizer(model_storage, context, lexicon_dir=None, corrections=str(tmp_path / "missing.tsv"))
    assert texts_after(bare, "shebaoka", "身分证", "護照😀", "ＡＢＣ") == ["shebaoka", "身分证", "护照", "ABC"]


def test_a_custom_typo_table_from_an_absolute_path(model_storage: LocalModelStorage, context: ExecutionContext,
                                                   tmp_path: Path) -> None:
    table = tmp_path / "corrections.tsv"
    table.write_text("# test\n社宝\t社保\nbroken line without tab\n", encoding="utf-8")
    custom = build_normalizer(model_storage, context, corrections=str(table))
    assert texts_after(custom, "社宝卡", "身分证") == ["社保卡", "身分证"]  # only the custom table applies


def test_create_stores_nothing_in_the_model_storage(model_storage: LocalModelStorage, context: ExecutionContext,
                                                    tmp_path: Path) -> None:
    """Not trainable: building it writes no resource (the lexicon is read from the project)."""
    build_normalizer(model_storage, context)
    storage_dir = tmp_path / "model_storage"
    assert not storage_dir.exists() or not any(storage_dir.iterdir())


# --- ChineseNormalizer.process_training_data ---------------------------------------------------

NLU_YAML = """
version: "3.1"
nlu:
- intent: ask_service_guide
  examples: |
    - 護照過期了怎麼辦😀
    - 身分证丢了
    - 我要辦[護照](service)
    - [ＡＢＣ]{"entity": "service", "value": "ＡＢＣ"}怎麼辦
    - 😀辦[護照](service)
    - ㍿的[護照](service)
"""


@pytest.fixture
def training_data() -> TrainingData:
    return RasaYAMLReader().reads(NLU_YAML)


def examples_by_text(data: TrainingData) -> List[Message]:
    return list(data.training_examples)


def test_unannotated_examples_get_the_full_normalisation(normalizer: ChineseNormalizer,
                                                         training_data: TrainingData) -> None:
    result = normalizer.process_training_data(training_data)
    texts = [m.get(TEXT) for m in result.training_examples]
    assert texts[0] == "护照过期了怎么办"  # traditional and emoji
    assert texts[1] == "身份证丢了"  # typo table


def test_annotated_examples_keep_offsets_and_entity_values_follow(normalizer: ChineseNormalizer,
                                                                  training_data: TrainingData) -> None:
    """Traditional and full-width in annotated examples: converted in place, offsets still point at the value."""
    examples = normalizer.process_training_data(training_data).training_examples
    for example, text in [(examples[2], "我要办护照"), (examples[3], "ABC怎么办")]:
        assert example.get(TEXT) == text
        (entity,) = example.get(ENTITIES)
        assert text[entity["start"]:entity["end"]] == entity["value"]


def test_annotated_examples_only_get_offset_preserving_steps(normalizer: ChineseNormalizer,
                                                             training_data: TrainingData) -> None:
    """Emoji would be dropped by the full normalisation and shift the offsets: it stays, the entity still fits."""
    example = normalizer.process_training_data(training_data).training_examples[4]
    assert example.get(TEXT) == "😀办护照"
    (entity,) = example.get(ENTITIES)
    assert (entity["start"], entity["end"], entity["value"]) == (2, 4, "护照")


def test_annotated_example_whose_length_would_change_keeps_its_original_text(
        normalizer: ChineseNormalizer, training_data: TrainingData) -> None:
    """"㍿" becomes four characters under NFKC: the text is kept exactly as written, offsets intact."""
    example = normalizer.process_training_data(training_data).training_examples[5]
    assert example.get(TEXT) == "㍿的護照"
    (entity,) = example.get(ENTITIES)
    assert (entity["start"], entity["end"]) == (2, 4)
    assert entity["value"] == "护照"  # the value alone keeps its length, so it is simplified


def test_training_examples_without_text_are_skipped(normalizer: ChineseNormalizer) -> None:
    data = TrainingData([Message(data={INTENT: "greet"}), Message(data={TEXT: "", INTENT: "greet"}),
                         Message(data={TEXT: "護照", INTENT: "greet"})])
    result = normalizer.process_training_data(data)
    assert [m.get(TEXT) for m in result.training_examples] == [None, "", "护照"]


def test_training_and_prediction_agree_on_unannotated_text(normalizer: ChineseNormalizer) -> None:
    """What DIET learns from an unannotated example is what it later sees for the same typed text."""
    typed = ["護照過期了怎麼辦😀", "shebaoka bu ban", "ｗｗｗ　社保卡？", "身分证丢了"]
    data = TrainingData([Message(data={TEXT: t, INTENT: "x"}) for t in typed])
    trained = [m.get(TEXT) for m in normalizer.process_training_data(data).training_examples]
    assert trained == texts_after(normalizer, *typed)


# --- EmptyMessageClassifier --------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "", "   ", "\n\t", "😀🎉👍", "🇨🇳", "\u200b\u200b", "？？？", "……", "!!!", "___", "😀 😀 😀" * 1000,
])
def test_empty_and_emoji_only_messages_become_nlu_fallback(normalizer: ChineseNormalizer,
                                                           empty_classifier: EmptyMessageClassifier,
                                                           raw: str) -> None:
    """Empty, whitespace, emoji, a flag, zero-width characters, punctuation only, a huge emoji string."""
    (message,) = run(normalizer, raw)
    message.set(INTENT, {INTENT_NAME_KEY: "greet", PREDICTED_CONFIDENCE_KEY: 0.8}, add_to_output=True)  # a DIET guess
    message.set(ENTITIES, [{"entity": "district", "value": "东湖区"}], add_to_output=True)
    empty_classifier.process([message])
    fallback = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}
    assert message.get(INTENT) == fallback
    assert message.get(INTENT_RANKING_KEY) == [fallback]
    assert message.get(ENTITIES) == []
    parsed = message.as_dict(only_output_properties=True)  # what Rasa puts in the parse data
    assert parsed[INTENT] == fallback and parsed[ENTITIES] == []


@pytest.mark.parametrize("raw", ["1", "１", "12345", "3.14", "110"])
def test_digits_alone_are_not_understood(normalizer: ChineseNormalizer, empty_classifier: EmptyMessageClassifier,
                                         raw: str) -> None:
    """Tried: numbers alone (a resident typing 12345 was answered with a goodbye by DIET)."""
    (text,) = texts_after(normalizer, raw)
    (message,) = run(empty_classifier, text)
    assert message.get(INTENT)[INTENT_NAME_KEY] == "nlu_fallback"


def test_a_message_without_text_is_not_understood(empty_classifier: EmptyMessageClassifier) -> None:
    (message,) = run(empty_classifier, None)
    assert message.get(INTENT)[INTENT_NAME_KEY] == "nlu_fallback"


@pytest.mark.parametrize("raw", ["护照", "a", "ETC", "shebaoka", "/affirm", "护照😀", "?护", "12345护照"])
def test_a_message_with_words_keeps_the_classifier_result(normalizer: ChineseNormalizer,
                                                          empty_classifier: EmptyMessageClassifier,
                                                          raw: str) -> None:
    """One Chinese character, one letter, one digit (also full-width), a button payload: DIET's intent stays."""
    (message,) = run(normalizer, raw)
    guess = {INTENT_NAME_KEY: "ask_fee", PREDICTED_CONFIDENCE_KEY: 0.7}
    entities = [{"entity": "service", "value": "护照"}]
    message.set(INTENT, guess, add_to_output=True)
    message.set(ENTITIES, entities, add_to_output=True)
    empty_classifier.process([message])
    assert message.get(INTENT) == guess
    assert message.get(ENTITIES) == entities
    assert message.get(INTENT_RANKING_KEY) is None


def test_the_classifier_decides_per_message_in_a_batch(empty_classifier: EmptyMessageClassifier) -> None:
    messages = run(empty_classifier, "护照", "", "社保", "😀")
    names = [(m.get(INTENT) or {}).get(INTENT_NAME_KEY) for m in messages]
    assert names == [None, "nlu_fallback", None, "nlu_fallback"]


# --- wired into config.yml the way Rasa builds the graph ----------------------------------------

@pytest.fixture(scope="module")
def recipe_graph() -> Any:
    """The train and predict graphs Rasa's default recipe builds from the project's config.yml."""
    import rasa.shared.utils.io
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.data import TrainingType

    config = rasa.shared.utils.io.read_model_configuration(PROJECT_ROOT / "config.yml")
    return DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.BOTH)


def node_named(schema: GraphSchema, component: type, fn: str) -> str:
    (name,) = [n for n, node in schema.nodes.items() if node.uses is component and node.fn == fn]
    return name


def test_config_puts_the_normalizer_first_and_the_empty_check_last(recipe_graph: Any) -> None:
    """Prediction: converter → normaliser → Jieba …; … FallbackClassifier → empty check → RegexMessageHandler."""
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer

    predict = recipe_graph.predict_schema
    normalizer = node_named(predict, ChineseNormalizer, "process")
    empty = node_named(predict, EmptyMessageClassifier, "process")
    assert predict.nodes[normalizer].needs == {"messages": "nlu_message_converter"}
    assert predict.nodes[node_named(predict, JiebaTokenizer, "process")].needs == {"messages": normalizer}
    assert predict.nodes[empty].needs == {"messages": node_named(predict, FallbackClassifier, "process")}
    assert predict.nodes[node_named(predict, RegexMessageHandler, "process")].needs["messages"] == empty

    train = recipe_graph.train_schema
    train_normalizer = node_named(train, ChineseNormalizer, "process_training_data")
    assert train.nodes[train_normalizer].needs == {"training_data": "nlu_training_data_provider"}
    assert train.nodes[node_named(train, JiebaTokenizer, "train")].needs == {"training_data": train_normalizer}


def test_graph_nodes_built_from_the_recipe_run_on_real_messages(recipe_graph: Any, model_storage: LocalModelStorage,
                                                                context: ExecutionContext) -> None:
    """GraphNode merges defaults and config.yml and calls create(); the nodes then process messages."""
    predict = recipe_graph.predict_schema
    normalizer_name = node_named(predict, ChineseNormalizer, "process")
    empty_name = node_named(predict, EmptyMessageClassifier, "process")
    normalizer = GraphNode.from_schema_node(normalizer_name, predict.nodes[normalizer_name], model_storage, context)
    empty = GraphNode.from_schema_node(empty_name, predict.nodes[empty_name], model_storage, context)

    messages = [Message(data={TEXT: "補辦ｓｈｅｂａｏｋａ"}), Message(data={TEXT: "👍👍"})]
    _, normalized = normalizer(("nlu_message_converter", messages))
    _, classified = empty((predict.nodes[empty_name].needs["messages"], normalized))
    assert classified[0].get(TEXT) == "补办社保卡"
    assert classified[0].get(INTENT) is None
    assert classified[1].get(TEXT) == ""
    assert classified[1].get(INTENT)[INTENT_NAME_KEY] == "nlu_fallback"


@pytest.mark.parametrize("typed", ["/ /restart", "/😀/restart", "/\u200b/restart", "/\t/session_start"])
def test_a_typed_slash_is_no_command_after_guard_and_normaliser(tmp_path: Path, typed: str) -> None:
    """Hostile: a second slash behind a space, emoji or zero-width character must not survive
    the channel's escape plus the normaliser and reach Rasa's RegexMessageHandler as a command."""
    from rasa.engine.graph import GraphSchema
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.constants import INTENT
    from rasa.utils.common import override_defaults

    from bot.channels.guard import guard_message

    config = override_defaults(ChineseNormalizer.get_default_config(), {})
    normalizer = ChineseNormalizer.create(config, LocalModelStorage(tmp_path), Resource("n"),
                                          ExecutionContext(GraphSchema({}), "t"))
    message = Message(data={TEXT: guard_message(typed, None)})
    normalizer.process([message])
    assert not message.get(TEXT).startswith("/"), message.get(TEXT)
    assert YAMLStoryReader.unpack_regex_message(message).get(INTENT) is None, message.get(TEXT)
