"""Personal data a resident types never reaches the logs of the running stack unmasked."""
from __future__ import annotations

from tests.support.chat import Chat


def test_id_and_phone_numbers_are_masked_in_every_log(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(rasa_stack.rasa_url)
    reply = chat.say("我的手机号13812345678，身份证110101199003071234，社保卡丢了怎么补")
    assert reply, "the resident still gets an answer"
    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in rasa_stack.log_dir.glob("*.log")}
    assert logs["rasa.log"].count("\n") > 10, "Rasa logs at DEBUG in the tests, so the message was logged"
    for name, text in logs.items():
        assert "13812345678" not in text, f"phone number unmasked in {name}"
        assert "199003071234" not in text, f"ID number unmasked in {name}"
