"""The FAQ in the conversation, through the real Rasa server and action server: it answers when
no service intent fits (out of scope, a matter the guide does not hold) and only above the tuned
threshold; service questions stay with the registry; chatter it does not know stays out of scope.
"""
from __future__ import annotations

from typing import Any

from tests.support.chat import Chat

SOURCE = "来源：常见问题库"


def test_out_of_scope_for_the_intents_but_in_the_faq(rasa_stack: Any) -> None:
    answer = Chat(rasa_stack.rasa_url).say("预约了去不了怎么取消")
    assert "我的预约" in answer and SOURCE in answer and "更新于" in answer


def test_a_matter_the_guide_does_not_hold_is_answered_from_the_faq(rasa_stack: Any) -> None:
    answer = Chat(rasa_stack.rasa_url).say("政务服务网密码忘了咋办")
    assert "忘记密码" in answer and SOURCE in answer
    assert "没有这件事的办理说明" not in answer  # not declined when the FAQ knows


def test_service_questions_stay_with_the_registry_and_chatter_stays_out(rasa_stack: Any) -> None:
    service = Chat(rasa_stack.rasa_url).say("第一次办居住证要带啥")
    assert "【居住证首次申领" in service and SOURCE not in service
    chatter = Chat(rasa_stack.rasa_url).say("帮我点个外卖")
    assert SOURCE not in chatter and "帮不上忙" in chatter
