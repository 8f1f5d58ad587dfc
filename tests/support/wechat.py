"""WeChat's servers as the tests play them: wechatpy signs (and in safe mode encrypts) each request the
way WeChat does and checks our passive replies the way WeChat would.

Used by the WeChat channel's tests (tests/channels/wechat/conftest.py hands it out) and by the
scaled stack's fault tests, which talk to the real WeChat webhook behind HAProxy.
"""
from __future__ import annotations

import random
import time
import uuid
from typing import Any, Dict, Optional, Tuple

import requests
import xmltodict
from wechatpy import parse_message as wechatpy_parse
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TOKEN = "test-token"
APPID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"  # the Official Account's original id (inbound ToUserName)
OPENID = "oRESIDENT0000000000000000001"


class WeChatPeer:
    """Builds the requests WeChat's servers send and checks our answers like WeChat does."""

    def __init__(self, url: str, token: str = TOKEN, appid: str = APPID, aes_key: str = AES_KEY) -> None:
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid)
        # MsgIds are unique per account: start each peer somewhere else so that peers in one
        # session (sharing one database) never replay each other's messages
        self.msg_id = random.randrange(10**16, 9 * 10**16)

    def next_msg_id(self) -> str:
        self.msg_id += 1
        return str(self.msg_id)

    @staticmethod
    def xml(msg_type: str, openid: str = OPENID, **fields: Any) -> str:
        parts = [
            f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
            f"<CreateTime>{fields.pop('CreateTime', int(time.time()))}</CreateTime>",
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}>{value}</{name}>" if isinstance(value, (int, float))
                         else f"<{name}><![CDATA[{value}]]></{name}>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, content: str, openid: str = OPENID, msg_id: Optional[str] = None) -> str:
        return self.xml("text", openid, Content=content, MsgId=msg_id or self.next_msg_id())

    def signed_query(self, timestamp: Optional[int] = None, nonce: Optional[str] = None) -> Dict[str, str]:
        timestamp_s = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp_s, nonce)
        return {"signature": signer.signature, "timestamp": timestamp_s, "nonce": nonce, "openid": OPENID}

    def request(self, xml: str, mode: str = "plain", **query_overrides: Any) -> Tuple[Dict[str, str], bytes]:
        """(query, body) for ``xml`` in plain, safe ("aes") or compatible mode."""
        query = self.signed_query()
        if mode == "plain":
            body = xml.encode("utf-8")
        else:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            encrypt = f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt>"
            if mode == "safe":
                body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>{encrypt}</xml>".encode()
            else:  # compatible mode: plaintext fields and the ciphertext side by side
                body = (xml[: -len("</xml>")] + encrypt + "</xml>").encode("utf-8")
        query.update(query_overrides)
        return query, body

    def post(self, xml: str, mode: str = "plain", timeout: float = 10.0, **query_overrides: Any) -> requests.Response:
        query, body = self.request(xml, mode, **query_overrides)
        return self.post_raw(query, body, timeout)

    def post_raw(self, query: Dict[str, str], body: bytes, timeout: float = 10.0) -> requests.Response:
        return requests.post(self.url, params=query, data=body, timeout=timeout, headers={"Content-Type": "text/xml"})

    def reply(self, response: requests.Response, mode: str = "plain", nonce: Optional[str] = None) -> Any:
        """Our passive reply parsed by wechatpy (decrypted and signature-checked in safe mode)."""
        assert response.status_code == 200, response.status_code
        xml = response.content.decode("utf-8")
        if mode != "plain":
            envelope = xmltodict.parse(xml)["xml"]
            if nonce is not None:
                assert envelope["Nonce"] == nonce
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return wechatpy_parse(xml)
