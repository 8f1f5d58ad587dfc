"""What the channel itself says to residents (the assistant's answers come from Rasa)."""
from __future__ import annotations

from bot.config import get_settings


def voice_not_recognised() -> str:
    return "抱歉，这条语音我没能听清。请您用文字告诉我想办理什么事，比如“社保卡丢了怎么补办”。"


def unsupported(msg_type: str) -> str:
    what = {"image": "图片", "video": "视频", "shortvideo": "小视频", "link": "链接",
            "file": "文件"}.get(msg_type, "这类消息")
    return (
        f"抱歉，我暂时还看不懂{what}。请用文字（或语音）告诉我您要办理的事项，"
        f"比如“驾照快到期了”。需要人工帮助请拨打 {get_settings().hotline}。"
    )


def welcome() -> str:
    return (
        f"您好，欢迎关注{get_settings().city}政务服务助手！"
        "您可以直接问我办事指南、所需材料、办理地点和时间，比如“娃刚生下来咋上户口”。"
    )


def sorry() -> str:
    return f"抱歉，系统暂时出了点问题，请稍后再试，或拨打 {get_settings().hotline} 咨询。"
