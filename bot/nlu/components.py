"""Rasa graph components of the project, registered for config.yml."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import PROJECT_ROOT
from bot.nlu import rasa_speedups
from bot.nlu.textnorm import Normalizer, load_corrections, load_words

logger = logging.getLogger(__name__)

# the Rasa process imports this module when it loads the model: one place to install the fix
rasa_speedups.install()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseNormalizer(GraphComponent):
    """Cleans text before tokenisation: full/half width, 繁→简, emoji, pinyin, typos, length cap.

    Registered as a tokenizer-type node so Rasa runs it on training data and on every message,
    in pipeline order, before JiebaTokenizer.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"lexicon_dir": "data/jieba", "corrections": "data/lexicon/corrections.tsv", "max_chars": 500}

    def __init__(self, config: Dict[str, Any]) -> None:
        lexicon = _resolve(config.get("lexicon_dir"))
        corrections = _resolve(config.get("corrections"))
        self.normalize = Normalizer(
            words=load_words(lexicon) if lexicon else [],
            corrections=load_corrections(corrections),
            max_chars=int(config.get("max_chars", 500)),
        )

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ChineseNormalizer:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if not text:
                continue
            entities = example.get(ENTITIES)
            if not entities:
                example.set(TEXT, self.normalize(text))
                continue
            # annotated entities carry character offsets: only offset-preserving steps apply, and the
            # values follow, or "[護照](service)" would teach the synonym 护照→護照
            example.set(TEXT, self.normalize.char_preserving(text))
            for entity in entities:
                if isinstance(entity.get("value"), str):
                    entity["value"] = self.normalize.char_preserving(entity["value"])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text is not None:
                message.set(TEXT, self.normalize(text))
        return messages


def _resolve(path: Optional[str]) -> Optional[Path]:
    if not path:
        return None
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmptyMessageClassifier(GraphComponent):
    """Messages with no words left after normalisation (empty, emoji only) are not understood.

    DIET would otherwise guess an intent for an all-zero feature vector.
    """

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmptyMessageClassifier:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            # no letters at all (empty, emoji, digits only such as "12345"): nothing to answer
            if not any(ch.isalpha() for ch in text):
                message.set(INTENT, {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0},
                            add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}],
                            add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages
