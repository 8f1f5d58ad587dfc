"""Personal data a resident types never reaches the logs of the running stack unmasked."""
from __future__ import annotations

from bot.privacy import mask_pii
from tests.support.chat import Chat

PHONE = "13812345678"
ID_NUMBER = "110101199003071234"
# the mask of bot/privacy.py: 手机号 keeps its first 3 and last 4 digits, 身份证号 its first 6
MASKED_PHONE = "138****5678"
MASKED_ID = "110101" + "*" * 12


def test_id_and_phone_numbers_are_masked_in_every_log(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    """Tried: "我的手机号13812345678，身份证110101199003071234，社保卡丢了怎么补" through the REST
    webhook with the stack logging at DEBUG; then every log file of the stack is read."""
    assert mask_pii(f"{PHONE} {ID_NUMBER}") == f"{MASKED_PHONE} {MASKED_ID}", "the mask format changed"
    chat = Chat(rasa_stack.rasa_url)
    reply = chat.say(f"我的手机号{PHONE}，身份证{ID_NUMBER}，社保卡丢了怎么补")
    assert "社会保障卡" in reply, f"the resident still gets an answer about the 社保卡: {reply}"
    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in rasa_stack.log_dir.glob("*.log")}
    rasa_log = logs["rasa.log"]
    assert rasa_log.count("\n") > 10, "Rasa logs at DEBUG in the tests, so the message was logged"
    # the message was logged, masked: without these the test would pass with nothing logged
    assert MASKED_PHONE in rasa_log, "the masked 手机号 is not in rasa.log: was the message logged at all?"
    assert MASKED_ID in rasa_log, "the masked 身份证号 is not in rasa.log: was the message logged at all?"
    for name, text in logs.items():
        assert PHONE not in text, f"phone number unmasked in {name}"
        assert ID_NUMBER[6:] not in text, f"ID number unmasked in {name}"
