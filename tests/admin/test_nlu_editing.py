"""The NLU editor's changes to a copy of the training data, on SQLite and PostgreSQL (audit log):
the YAML it writes is read by Rasa's own loader with the change in it and every other line as it was;
a clash with another intent is refused naming it (after the assistant's normalisation); a
near-duplicate is flagged; every change is audited and reverted.

Bad input tried: empty and blank examples, 201 characters, a line break, control characters,
malformed annotations (unclosed bracket, bad JSON, a missing entity key), an entity the domain does not
have, a leading slash, an unknown intent, a duplicate in the same intent, a stale version, a missing
version, a hostile ``<script>`` text (stored as text), two administrators adding at once.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator, List

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.audit.log import AuditError, history, revert
from bot.nlu_admin import examples, lexicon, synonyms
from bot.nlu_admin.annotations import NluError
from bot.nlu_admin.training_data import intent_version, read_training_data
from tests.support.admin_console import in_repository, training_data_copy
from tests.support.database import fresh_database

ADMIN = "wang"


@pytest.fixture()
def data(store_db: str, tmp_path: Path) -> Iterator[Path]:
    """A copy of the training data; the audit log on SQLite and on PostgreSQL."""
    yield from _copy(tmp_path)


@pytest.fixture()
def checked(tmp_path: Path) -> Iterator[Path]:
    """A copy of the training data and a SQLite database: for refusals, which never reach the database."""
    with fresh_database(tmp_path / "nlu.db"):
        yield from _copy(tmp_path)


def _copy(tmp_path: Path) -> Iterator[Path]:
    with training_data_copy(tmp_path) as root:
        # what `python -m bot nlu vocab` makes from the registry (not in git): one item of each
        (root / "nlu" / "generated").mkdir(exist_ok=True)
        (root / "nlu" / "generated" / "registry_synonyms.yml").write_text(
            'version: "3.1"\nnlu:\n  - synonym: "养犬登记"\n    examples: |\n      - 狗证\n      - 办狗证\n',
            encoding="utf-8")
        (root / "jieba" / "registry.generated.txt").write_text("# generated\n养犬登记 2000 n\n狗证 2000 n\n",
                                                               encoding="utf-8")
        yield root


def _version(intent: str) -> str:
    return intent_version(read_training_data(), intent)


def _rasa_examples(root: Path, intent: str) -> List[str]:
    loaded = load_data(str(root / "nlu"))
    return [m.get("text") for m in loaded.intent_examples if m.get("intent") == intent]


def test_added_changed_and_deleted_examples_reach_rasas_reader(data: Path) -> None:
    before = (data / "nlu" / "opendata.yml").read_text(encoding="utf-8")
    annotated = '[东湖]{"entity": "district", "value": "东湖区"}办事大厅周日几点关门'
    change = examples.add_example("ask_hours", annotated, _version("ask_hours"), ADMIN)
    assert change.similar == [] and change.audit_id is not None
    after = (data / "nlu" / "opendata.yml").read_text(encoding="utf-8")
    added_line = '    - [东湖]{"entity": "district", "value": "东湖区"}办事大厅周日几点关门\n'
    # the one line is appended to the intent's block; every other byte of the file is as it was
    assert after.replace(added_line, "", 1) == before
    loaded = load_data(str(data / "nlu"))
    message = next(m for m in loaded.intent_examples if m.get("text") == "东湖办事大厅周日几点关门")
    assert message.get("intent") == "ask_hours"
    assert message.get("entities")[0] == {"start": 0, "end": 2, "value": "东湖区", "entity": "district"}

    changed = examples.update_example("ask_hours", added_line.strip()[2:], "[东湖](district)办事大厅周日开门吗",
                                      change.version, ADMIN)
    assert "东湖办事大厅周日开门吗" in _rasa_examples(data, "ask_hours")
    assert "东湖办事大厅周日几点关门" not in _rasa_examples(data, "ask_hours")
    examples.delete_example("ask_hours", "[东湖](district)办事大厅周日开门吗", changed.version, ADMIN)
    assert (data / "nlu" / "opendata.yml").read_text(encoding="utf-8") == before
    assert [h.action for h in history("nlu_example", "ask_hours")] == ["delete", "update", "create"]
    assert not in_repository("办事大厅周日开门吗")


def test_an_intent_without_examples_gets_a_block_of_its_own(data: Path) -> None:
    """Every domain intent is editable; one with no examples yet is written to nlu/console.yml (its
    old block goes with its last example)."""
    for example in read_training_data().intents()["check_workorder"]:
        examples.delete_example("check_workorder", example, _version("check_workorder"), ADMIN)
    assert "check_workorder" not in read_training_data().intents()
    examples.add_example("check_workorder", "我上周反映的问题办得怎么样了", _version("check_workorder"), ADMIN)
    assert "- intent: check_workorder" in (data / "nlu" / "console.yml").read_text(encoding="utf-8")
    assert _rasa_examples(data, "check_workorder") == ["我上周反映的问题办得怎么样了"]


@pytest.mark.parametrize("text", ["转人工", "轉人工", "转人工！", " 转 人工 ", "转 人 工？"])
def test_an_example_another_intent_has_is_refused_naming_it(checked: Path, text: str) -> None:
    """转人工 is request_human's; traditional characters, punctuation and spaces do not make it new."""
    with pytest.raises(NluError) as refused:
        examples.add_example("rate", text, _version("rate"), ADMIN)
    assert refused.value.status == 409
    assert "request_human" in str(refused.value) and "转人工" in str(refused.value)
    assert refused.value.extra["clash"] == {"intent": "request_human", "example": "转人工"}
    assert history("nlu_example") == []


def test_the_typo_table_is_part_of_the_normalisation(checked: Path) -> None:
    """身分证 is corrected to 身份证 before comparing, as the assistant does before understanding."""
    examples.add_example("ask_materials", "补办身份证要带什么", _version("ask_materials"), ADMIN)
    with pytest.raises(NluError, match="ask_materials"):
        examples.add_example("ask_fee", "补办身分证要带什么", _version("ask_fee"), ADMIN)


def test_a_duplicate_in_the_same_intent_is_refused(checked: Path) -> None:
    with pytest.raises(NluError, match="已有这个例句") as refused:
        examples.add_example("request_human", "转人工。", _version("request_human"), ADMIN)
    assert refused.value.status == 409


def test_a_near_duplicate_of_another_intent_is_flagged_not_refused(checked: Path) -> None:
    """"就是这个吧" is affirm's "就是这个" plus a particle (ratio 88.9): saved to deny, and flagged; a
    sentence sharing only the service name with other intents' examples is not flagged."""
    change = examples.add_example("deny", "就是这个吧", _version("deny"), ADMIN)
    assert {"intent": "affirm", "example": "就是这个", "score": 88.9} in [s.as_dict() for s in change.similar]
    assert all(s.intent != "deny" and s.score >= 80 for s in change.similar)
    assert "就是这个吧" in _rasa_examples(checked, "deny")
    assert examples.check("ask_fee", "办[居住证](service)要钱吗")[1] == []


@pytest.mark.parametrize(("text", "message"), [
    ("", "不能为空"), ("   ", "不能为空"), (None, "须为文字"), (12, "须为文字"),
    ("字" * 201, "太长"), ("第一行\n第二行", "只能有一行"), ("有\x07控制符", "只能有一行"),
    ("[东湖(district)的大厅", "标注格式不对"), ('[东湖]{"entity": district}几点开门', "标注格式不对"),
    ('[东湖]{"value": "东湖区"}几点开门', "标注格式不对"), ("[东湖]几点开门", "标注格式不对"),
    ("[东湖](city)几点开门", "未知实体"), ("/ask_hours", "不能以 / 开头"),
])
def test_bad_examples_are_refused_with_the_reason(checked: Path, text: object, message: str) -> None:
    before = (checked / "nlu" / "opendata.yml").read_text(encoding="utf-8")
    with pytest.raises(NluError, match=message) as refused:
        examples.add_example("ask_hours", text, _version("ask_hours"), ADMIN)
    assert refused.value.status == 400
    assert (checked / "nlu" / "opendata.yml").read_text(encoding="utf-8") == before


def test_unknown_intents_and_versions(checked: Path) -> None:
    with pytest.raises(NluError) as unknown:
        examples.add_example("no_such_intent", "你好", "x", ADMIN)
    assert unknown.value.status == 404
    with pytest.raises(NluError) as stale:
        examples.add_example("greet", "早上好呀朋友", "0123456789abcdef", ADMIN)
    assert stale.value.status == 409 and stale.value.extra["version"] == _version("greet")
    with pytest.raises(NluError) as missing:
        examples.add_example("greet", "早上好呀朋友", None, ADMIN)
    assert missing.value.status == 400
    with pytest.raises(NluError) as gone:
        examples.delete_example("greet", "从来没有这句", _version("greet"), ADMIN)
    assert gone.value.status == 404


def test_hostile_text_is_stored_as_text(checked: Path) -> None:
    text = "<script>alert('x')</script>你好"
    examples.add_example("greet", text, _version("greet"), ADMIN)
    assert text in _rasa_examples(checked, "greet")
    assert examples.intent_detail("greet", "script")["examples"][0]["text"] == text


def test_two_administrators_adding_at_once_one_is_told_to_reload(data: Path) -> None:
    """Both forms were loaded with the same version: the first save wins, the second gets 409."""
    version = _version("thanks")
    results: List[object] = []
    barrier = threading.Barrier(2)

    def save(text: str) -> None:
        barrier.wait()
        try:
            results.append(examples.add_example("thanks", text, version, ADMIN))
        except NluError as exc:
            results.append(exc)

    threads = [threading.Thread(target=save, args=(t,)) for t in ("太感谢你们了呀", "真是谢谢你们啦")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [r for r in results if isinstance(r, NluError)]
    assert len(results) == 2 and len(refused) == 1 and refused[0].status == 409
    kept = [t for t in ("太感谢你们了呀", "真是谢谢你们啦") if t in _rasa_examples(data, "thanks")]
    assert len(kept) == 1


def test_reverting_each_kind_of_change(data: Path) -> None:
    original = (data / "nlu" / "smalltalk.yml").read_text(encoding="utf-8")
    added = examples.add_example("goodbye", "那我先下线了", _version("goodbye"), ADMIN)
    changed = examples.update_example("goodbye", "那我先下线了", "那我先下线啦", added.version, ADMIN)
    # the creation cannot be undone while a later change stands on it
    create_entry = history("nlu_example", "goodbye")[-1]
    with pytest.raises(AuditError, match="请先撤销较新的修改"):
        revert(create_entry.id, ADMIN)
    revert(history("nlu_example", "goodbye")[0].id, ADMIN)  # the update
    assert "那我先下线了" in _rasa_examples(data, "goodbye")
    revert(create_entry.id, ADMIN)
    assert (data / "nlu" / "smalltalk.yml").read_text(encoding="utf-8") == original
    examples.delete_example("goodbye", "拜拜", _version("goodbye"), ADMIN)
    revert(history("nlu_example", "goodbye")[0].id, ADMIN)  # the deletion: 拜拜 is back
    assert "拜拜" in _rasa_examples(data, "goodbye")
    assert changed.version != added.version
    assert [h.action for h in history("nlu_example", "goodbye")][:2] == ["revert", "delete"]


def test_synonyms_are_written_checked_and_reverted(data: Path) -> None:
    listed = synonyms.list_synonyms()
    assert listed["synonyms"] == [] and listed["generated"]  # the registry's, read-only
    result = synonyms.set_synonym("东湖区", ["东湖", "东湖新区"], listed["version"], ADMIN)
    assert result["synonyms"] == [{"value": "东湖区", "examples": ["东湖", "东湖新区"], "file": "synonyms.yml",
                                   "editable": True}]
    loaded = load_data(str(data / "nlu"))
    assert loaded.entity_synonyms["东湖新区"] == "东湖区"
    with pytest.raises(NluError, match="已是「东湖区」的同义词") as twice:
        synonyms.set_synonym("东湖", ["东湖新区"], result["version"], ADMIN)
    assert twice.value.status == 409
    assert listed["generated"] == [{"value": "养犬登记", "examples": ["狗证", "办狗证"],
                                    "file": "generated/registry_synonyms.yml", "editable": False}]
    with pytest.raises(NluError, match="事项库生成的同义词"):
        synonyms.set_synonym("别的值", ["狗证"], result["version"], ADMIN)
    for bad, message in ((["东湖区"], "不必包含标准值"), ([], "至少要有一个"), ("东湖", "文字列表"),
                         (["a\nb"], "只能有一行")):
        with pytest.raises(NluError, match=message):
            synonyms.set_synonym("东湖区", bad, result["version"], ADMIN)
    result = synonyms.set_synonym("东湖区", ["东湖"], result["version"], ADMIN)
    synonyms.delete_synonym("东湖区", result["version"], ADMIN)
    assert synonyms.list_synonyms()["synonyms"] == []
    revert(history("nlu_synonym", "东湖区")[0].id, ADMIN)
    assert load_data(str(data / "nlu")).entity_synonyms.get("东湖") == "东湖区"


def test_words_and_typos_keep_their_files_comments_and_order(data: Path) -> None:
    words_file = data / "jieba" / "domain_words.txt"
    before = words_file.read_text(encoding="utf-8")
    version = lexicon.rows(lexicon.WORDS)[1]
    result = lexicon.change(lexicon.WORDS, None, {"word": "一网通办", "freq": "3000", "tag": "n", "version": version},
                            ADMIN)
    assert words_file.read_text(encoding="utf-8") == before + "一网通办 3000 n\n"
    lexicon.change(lexicon.WORDS, "一网通办", {"freq": 500, "tag": "nz", "version": result["version"]}, ADMIN)
    assert "一网通办 500 nz" in words_file.read_text(encoding="utf-8")
    for body, message in (({"word": "东湖区"}, "已有这个词"), ({"word": "两个 词"}, "不能有空格"),
                          ({"word": "好词", "freq": 0}, "词频"), ({"word": "好词", "tag": "N1"}, "词性")):
        with pytest.raises(NluError, match=message):
            lexicon.change(lexicon.WORDS, None, {**body, "version": lexicon.rows(lexicon.WORDS)[1]}, ADMIN)
    with pytest.raises(NluError, match="事项库生成的词典"):
        lexicon.change(lexicon.WORDS, None, {"word": "养犬登记", "version": lexicon.rows(lexicon.WORDS)[1]}, ADMIN)
    update_entry, create_entry = history("nlu_word", "一网通办")
    revert(update_entry.id, ADMIN)
    revert(create_entry.id, ADMIN)
    assert words_file.read_text(encoding="utf-8") == before

    typos = data / "lexicon" / "corrections.tsv"
    version = lexicon.rows(lexicon.CORRECTIONS)[1]
    lexicon.change(lexicon.CORRECTIONS, None, {"wrong": "户藉", "right": "户籍", "version": version}, ADMIN)
    assert typos.read_text(encoding="utf-8").endswith("户藉\t户籍\n")
    refusals = (({"wrong": "籍", "right": "藉"}, "至少两个字"), ({"wrong": "户口", "right": "户囗"}, "正确写法"),
                ({"wrong": "户籍", "right": "户口"}, "不能再当作错别字"),
                ({"wrong": "公基金", "right": "公积金"}, "已有"), ({"wrong": "一样", "right": "一样"}, "相同"))
    for body, message in refusals:
        with pytest.raises(NluError, match=message):
            lexicon.change(lexicon.CORRECTIONS, None, {**body, "version": lexicon.rows(lexicon.CORRECTIONS)[1]}, ADMIN)
    with pytest.raises(NluError) as stale:
        lexicon.change(lexicon.CORRECTIONS, "户藉", {"version": version}, ADMIN, delete=True)
    assert stale.value.status == 409
    lexicon.change(lexicon.CORRECTIONS, "户藉", {"version": lexicon.rows(lexicon.CORRECTIONS)[1]}, ADMIN,
                   delete=True)
    assert "户藉" not in typos.read_text(encoding="utf-8")
    # the editor's normaliser follows the table: a new typo counts at once
    examples.add_example("ask_fee", "[居主证](service)如何办理", _version("ask_fee"), ADMIN)
    lexicon.change(lexicon.CORRECTIONS, None, {"wrong": "居主证", "right": "居住证",
                                               "version": lexicon.rows(lexicon.CORRECTIONS)[1]}, ADMIN)
    with pytest.raises(NluError, match="ask_service_guide"):
        examples.add_example("ask_online", "[居主证](service)如何办理", _version("ask_online"), ADMIN)


def test_a_file_that_cannot_be_written_leaves_no_audit_entry(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while saving: the change fails whole — file as it was, no audit entry."""
    before = (data / "nlu" / "smalltalk.yml").read_text(encoding="utf-8")

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.nlu_admin.files.write_atomic", full_disk)
    with pytest.raises(OSError):
        examples.add_example("greet", "磁盘满了也问好", _version("greet"), ADMIN)
    with pytest.raises(OSError):
        lexicon.change(lexicon.WORDS, None, {"word": "满盘", "version": lexicon.rows(lexicon.WORDS)[1]}, ADMIN)
    assert (data / "nlu" / "smalltalk.yml").read_text(encoding="utf-8") == before
    assert history("nlu_example") == [] and history("nlu_word") == []
