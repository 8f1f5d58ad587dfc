"""Faults on the real scaled stack (issue #14): what a resident gets while a part is down, and that
service resumes by itself once it is back. The replica killed mid-conversation is in
test_scaled_stack.py.

Tried:
- one action server killed mid-conversation: HAProxy sends every action to the other, no resident
  notices;
- both action servers killed: each question gets one polite Chinese message with the hotline
  (bot/action_failures.py), never silence; answers are real again once they are started;
- PostgreSQL stopped (fast shutdown: every pooled connection cut): a message meanwhile is told it
  may not have been handled (not silence); once started, the next messages are answered on both
  replicas, nothing acknowledged before is lost, each message is stored once, the desk (page
  server) logs in and lists tickets again;
- Redis stopped with ``SHUTDOWN NOSAVE`` (locks, rate-limit buckets and pub/sub subscriptions
  gone): a message meanwhile is told the same; once started, REST turns run (lock store), a
  Socket.IO resident connected before is answered once per message (pushes between replicas after
  the restart are not asserted: an open defect, see the test), and a WeChat delivery repeated after the
  restart (same MsgId) is still answered once: the de-duplication claims are in PostgreSQL, so they
  outlive a Redis that keeps nothing;
- the open-data portal down (a real local CKAN server stopped): ``python -m bot opendata sync``
  fails and says the cache is kept, and the stack answers from the cache with the data's date.

PostgreSQL and Redis are stopped and started with the machine's real commands
(tests/support/services.py) and always started again; every killed process is started again
before the next test.
"""
from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from typing import List

import redis

from bot.action_failures import turn_failed_text, unavailable_text
from bot.channels.webchat import REDIS_CHANNEL
from bot.channels.wechat.texts import sorry
from bot.runner import VENV_BIN
from bot.scaleout.stack import ScaledStack
from bot.tracking.events import stored_events
from tests.opendata.support import FakeCkan, clinic_dataset, clinic_records, write_portal
from tests.support.chat import Chat
from tests.support.desk import DeskClient, new_staff, wait_for
from tests.support.scaled import public_url, start_again
from tests.support.services import REDIS_URL, postgres_stopped, redis_stopped
from tests.support.stack import WECHAT_TEST_ENV
from tests.support.webchat import WebResident
from tests.support.wechat import WeChatPeer


def _kill(stack: ScaledStack, *names: str) -> None:
    for name in names:
        process = stack.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _answered(reply: str) -> bool:
    """A real answer: something said, and no notice that the service is unavailable."""
    return reply != "" and all(notice not in reply for notice in (unavailable_text(), turn_failed_text(), sorry()))


def _said(sender: str, stack: ScaledStack) -> List[str]:
    return [e["text"] for e in stored_events(sender, stack.config.database_url) if e["event"] == "user"]


def test_one_action_server_down_the_other_answers(scaled: ScaledStack) -> None:
    chat = Chat(public_url(scaled))
    for question in ("居住证怎么办", "要带什么材料"):  # mid-conversation, on both replicas
        assert _answered(chat.say(question))
    _kill(scaled, "actions1")
    try:
        # round robin: some of these go to the dead one first (refused, sent to the other at once),
        # later ones find it marked down by the health checks
        for question, topic in (("提取公积金要带什么", "公积金"), ("居住证怎么办", "居住证"),
                                ("提取公积金要带什么", "公积金"), ("居住证怎么办", "居住证")):
            reply = chat.say(question)
            assert topic in reply and unavailable_text() not in reply, reply
    finally:
        start_again(scaled)


def test_both_action_servers_down_a_polite_reply_not_silence(scaled: ScaledStack) -> None:
    chat = Chat(public_url(scaled))
    _kill(scaled, "actions1", "actions2")
    try:
        for question in ("居住证怎么办", "提取公积金要带什么"):
            assert [r.get("text") for r in chat.send(question)] == [unavailable_text()], question
    finally:
        start_again(scaled)
    assert "居住证" in chat.say("居住证怎么办")
    events = stored_events(chat.sender, scaled.config.database_url)
    bot = [e for e in events if e["event"] == "bot"]
    assert [e["text"] for e in bot[:2]] == [unavailable_text()] * 2
    assert all(e["metadata"].get("degraded") == "actions_unavailable" for e in bot[:2])
    assert unavailable_text() not in [e["text"] for e in bot[2:]]


def test_postgresql_restarted_service_resumes(scaled: ScaledStack) -> None:
    public = public_url(scaled)
    chat = Chat(public)
    assert "居住证" in chat.say("居住证怎么办")
    assert _answered(chat.say("要带什么材料"))  # acknowledged before the restart: must survive it
    staff = new_staff()
    DeskClient(public, staff).tickets("waiting")
    with postgres_stopped():
        # Rasa's fail-safe tracker store goes on in memory, without the conversation so far: the action,
        # without its database, fails (a notice), or — when its registry snapshot was checked less than a
        # second ago — answers from that snapshot and, knowing no item, asks which one. Never silence, never
        # an answer about an item the resident did not name.
        told = [r.get("text") for r in chat.send("现在能办吗")]
        asks = "请问您要办理哪项业务？直接说名称就行，比如「居住证」「护照」「提取公积金」。"
        assert told and set(told) <= {unavailable_text(), turn_failed_text(), asks}, f"told, not silence: {told}"
    # two replicas in turn: each one's first turn after the restart meets its dead pooled connections
    after = ["多久能办好", "在哪里办", "提取公积金要带什么", "谢谢"]
    for question in after:
        assert _answered(chat.say(question)), question
    assert "居住证" in Chat(public).say("居住证怎么办"), "a new conversation after the restart"
    assert _said(chat.sender, scaled) == ["居住证怎么办", "要带什么材料", *after], "each stored once, none lost"
    desk = DeskClient(public, staff)  # the page server's engine: logs in and reads again
    assert isinstance(desk.tickets("waiting"), list)


def _answers_of_last_turn(sender: str, stack: ScaledStack) -> int:
    """Bot messages stored for the last turn, once it is complete (0 while it is not)."""
    events = stored_events(sender, stack.config.database_url)
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    if events[-1].get("name") != "action_listen" or len(events) - 1 == last_user:
        return 0
    return sum(1 for e in events[last_user:] if e["event"] == "bot")


def _subscribers() -> int:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    return int(dict(client.pubsub_numsub(REDIS_CHANNEL)).get(REDIS_CHANNEL.encode(), 0))


def test_redis_restarted_locks_dedup_and_pushes_recover(scaled: ScaledStack) -> None:
    public = public_url(scaled)
    chat = Chat(public)
    assert "居住证" in chat.say("居住证怎么办")
    resident = WebResident(public)
    peer = WeChatPeer(f"{public}/webhooks/wechat/webhook", token=WECHAT_TEST_ENV["WECHAT_TOKEN"])
    openid = "o" + uuid.uuid4().hex[:27]
    try:
        resident.ask("居住证怎么办", "居住证")
        delivered = peer.text("居住证怎么办", openid=openid)
        assert "居住证" in peer.reply(peer.post(delivered)).content
        subscribed = _subscribers()
        assert subscribed >= 1, "the replica holding the socket listens on the pub/sub channel"

        with redis_stopped():
            assert [r.get("text") for r in chat.send("现在能办吗")] == [turn_failed_text()], "told, not silence"

        for question in ("要带什么材料", "多久能办好"):  # Rasa's lock store on both replicas
            assert _answered(chat.say(question)), question
        assert _said(chat.sender, scaled) == ["居住证怎么办", "要带什么材料", "多久能办好"]

        assert peer.post(delivered).text == "success", "WeChat's retry after the restart: no second answer"
        follow_up = peer.text("要带什么材料", openid=openid)
        assert _answered(peer.reply(peer.post(follow_up)).content)
        assert peer.post(follow_up).text == "success"
        assert _said(openid, scaled) == ["居住证怎么办", "要带什么材料"], "one turn per WeChat message"

        before = resident.count()
        resident.ask("提取公积金要带什么", "公积金")
        expected = wait_for(lambda: _answers_of_last_turn(resident.session_id, scaled), 30, "the turn stored")
        wait_for(lambda: resident.count() - before >= expected, 30, "the whole answer on the socket")
        assert len(resident.quiet_for(1.0, before)) == expected, "each bot message delivered once"

        # Pushes from the other replica after the restart are not asserted: python-socketio's Redis listener
        # re-subscribes after 1, 2, 4 … 60 s in isolated runs, but in two full-suite runs it had not within
        # 3 minutes — an open defect (docs/operations.md, "Faults").
        assert _said(resident.session_id, scaled) == ["居住证怎么办", "提取公积金要带什么"]
    finally:
        resident.close()


def _sync(stack: ScaledStack, portal: Path) -> subprocess.CompletedProcess:
    """The operator's command, against the stack's database."""
    return subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "opendata", "sync", "--portal", str(portal),
                           "--quiet"], env={**os.environ, "DATABASE_URL": stack.config.database_url},
                          capture_output=True, text=True, timeout=300)


def test_open_data_portal_down_cached_answers_with_their_date(scaled: ScaledStack, tmp_path: Path) -> None:
    portal_server = FakeCkan().start()
    try:
        portal_server.add("res", clinic_records(6), package="pkg", modified="2026-10-01T00:00:00")
        dataset = {**clinic_dataset("res", package="pkg"), "title": "医疗机构名录"}
        portal = write_portal(tmp_path / "portal.yml", portal_server.url, {"hospitals": dataset})
        synced = _sync(scaled, portal)
        assert synced.returncode == 0, synced.stderr
        fresh = Chat(public_url(scaled)).say("东湖区有哪些三甲医院")
    finally:
        portal_server.stop()
    failed = _sync(scaled, portal)
    assert failed.returncode == 1 and "仍使用上一次成功同步的缓存" in failed.stderr, failed.stderr
    cached = Chat(public_url(scaled)).say("东湖区有哪些三甲医院")
    assert cached == fresh
    assert cached.startswith("东湖区共有 2 家三甲医院：") and "测试诊所3" in cached
    assert cached.endswith("数据来源：医疗机构名录（测试开放平台，示例数据），数据更新于 2026-10-01")
