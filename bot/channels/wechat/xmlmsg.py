"""Safe parsing of WeChat's XML and building of passive replies, with the standard library.

WeChat's messages are a flat ``<xml>`` element with a few nested event fields.  Anything
beyond that is refused before or while parsing: a size cap, no DTD, no entity declarations
(so no "billion laughs" or external entities), a bounded depth and element count.
"""
from __future__ import annotations

import logging
import re
from typing import Dict, List, NoReturn, Union
from xml.parsers import expat

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # real messages are a few KB; the cap stops memory abuse early
MAX_ELEMENTS = 256
MAX_DEPTH = 6

_DECLARATION = re.compile(r"<!(?!\[CDATA\[|--)")  # <!DOCTYPE, <!ENTITY, <!ELEMENT, ...
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class XmlError(ValueError):
    """Malformed, oversized or dangerous XML; the caller answers 400 and stores nothing."""


class _Collector:
    """Expat callbacks that flatten ``<xml><A>1</A><B><C>2</C></B></xml>`` to {"A": "1", "B.C": "2"}."""

    def __init__(self) -> None:
        self.fields: Dict[str, str] = {}
        self.path: List[str] = []
        self.text: List[str] = []
        self.elements = 0
        self.root = ""

    def start(self, name: str, _attrs: Dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS or len(self.path) >= MAX_DEPTH:
            raise XmlError("too many or too deeply nested elements")
        if not self.path:
            self.root = name
        self.path.append(name)
        self.text = []

    def end(self, name: str) -> None:
        if len(self.path) >= 2:
            key = ".".join(self.path[1:])
            if key not in self.fields:
                self.fields[key] = "".join(self.text)
        self.path.pop()
        self.text = []

    def data(self, text: str) -> None:
        self.text.append(text)


def _forbidden(*_args: object) -> NoReturn:
    raise XmlError("DTDs and entities are not accepted")


def parse_message(data: Union[bytes, str], max_bytes: int = MAX_BODY_BYTES) -> Dict[str, str]:
    """Fields of a WeChat XML message; XmlError for anything that is not one."""
    if isinstance(data, bytes):
        if len(data) > max_bytes:
            raise XmlError("body too large")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise XmlError("body is not UTF-8") from None
    else:
        text = data
        if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise XmlError("body too large")
    if not text.strip():
        raise XmlError("empty body")
    if _DECLARATION.search(text):
        raise XmlError("DTDs and entities are not accepted")

    collector = _Collector()
    parser = expat.ParserCreate(encoding="UTF-8")  # overrides any encoding declared in the text
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbidden
    parser.EntityDeclHandler = _forbidden
    parser.UnparsedEntityDeclHandler = _forbidden
    parser.ExternalEntityRefHandler = _forbidden
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.data
    try:
        parser.Parse(text.encode("utf-8", "strict"), True)
    except XmlError:
        raise
    except (expat.ExpatError, UnicodeEncodeError, ValueError) as exc:
        raise XmlError(f"malformed XML: {exc.__class__.__name__}") from None
    if collector.root != "xml":
        raise XmlError("root element is not <xml>")
    return collector.fields


def clean_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return _INVALID_XML_CHARS.sub("", text)


def cdata(text: str) -> str:
    """A CDATA section holding ``text`` exactly, even if it contains ``]]>``."""
    return "<![CDATA[" + clean_text(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply: ``to_user`` is the resident's openid, ``from_user`` the account."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content>"
        "</xml>"
    )


def encrypted_reply(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode envelope around an encrypted passive reply."""
    return (
        "<xml>"
        f"<Encrypt>{cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{cdata(timestamp)}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce>"
        "</xml>"
    )
