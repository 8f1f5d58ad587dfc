"""Signatures and the AES "safe mode" (安全模式) of the WeChat Official Account protocol.

* ``signature = sha1("".join(sorted([token, timestamp, nonce])))`` on every request;
* in safe mode ``msg_signature`` additionally covers the ``Encrypt`` field;
* AES-256-CBC, key = base64decode(EncodingAESKey + "="), IV = key[:16], PKCS#7 padding to
  32-byte blocks, plaintext = 16 random bytes + 4-byte big-endian length + XML + appid.

Every comparison of a signature or appid is constant time.  Errors never carry key material.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import struct
from typing import Optional, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

logger = logging.getLogger(__name__)

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """A request or ciphertext that does not verify or decrypt; the caller answers 4xx."""


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: sha1 over the lexically sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(expected: str, given: Optional[str]) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), (given or "").encode("utf-8"))


def check_signature(token: str, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str]) -> bool:
    """The plain ``signature`` query parameter, sent with every GET and POST."""
    if not token or not signature or timestamp is None or nonce is None:
        return False
    return _same(sha1_signature(token, timestamp, nonce), signature.lower())


def check_msg_signature(token: str, msg_signature: Optional[str], timestamp: str, nonce: str, encrypt: str) -> bool:
    """The safe-mode ``msg_signature``, which also covers the ciphertext."""
    if not token or not msg_signature:
        return False
    return _same(sha1_signature(token, timestamp, nonce, encrypt), msg_signature.lower())


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 43-character EncodingAESKey as the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must have 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("EncodingAESKey is not valid base64") from None
    if len(key) != 32:
        raise ValueError("EncodingAESKey does not decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    count = block - len(data) % block
    return data + bytes([count]) * count


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    if not data:
        raise CryptoError("empty plaintext")
    count = data[-1]
    if count < 1 or count > block or count > len(data) or data[-count:] != bytes([count]) * count:
        raise CryptoError("bad padding")
    return data[:-count]


class MessageCrypto:
    """Encrypts and decrypts message bodies of one Official Account."""

    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        self.token = token
        self.appid = appid
        self._key = decode_aes_key(encoding_aes_key)

    def __repr__(self) -> str:  # never show the key
        return f"MessageCrypto(appid={self.appid!r})"

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str, random16: Optional[bytes] = None) -> str:
        """Base64 ciphertext of ``xml`` framed with random prefix, length and appid."""
        body = xml.encode("utf-8")
        prefix = random16 if random16 is not None else os.urandom(16)
        plain = pkcs7_pad(prefix + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8"))
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypt: str) -> str:
        """The XML inside ``encrypt``; CryptoError on any malformation or a foreign appid."""
        try:
            raw = base64.b64decode(encrypt.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("ciphertext is not base64") from None
        if len(raw) < BLOCK or len(raw) % 16:
            raise CryptoError("ciphertext has a wrong length")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("length field exceeds plaintext")
        try:
            xml = plain[20 : 20 + length].decode("utf-8")
            appid = plain[20 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError("plaintext is not UTF-8") from None
        if not _same(self.appid, appid):
            raise CryptoError("appid does not match")
        return xml

    def decrypt_message(self, encrypt: str, msg_signature: Optional[str], timestamp: str, nonce: str) -> str:
        """Verify ``msg_signature`` first, then decrypt."""
        if not check_msg_signature(self.token, msg_signature, timestamp, nonce, encrypt):
            raise CryptoError("msg_signature does not match")
        return self.decrypt(encrypt)

    def encrypt_reply(self, xml: str, timestamp: str, nonce: str) -> Tuple[str, str]:
        """``(Encrypt, MsgSignature)`` for a passive reply."""
        encrypt = self.encrypt(xml)
        return encrypt, sha1_signature(self.token, timestamp, nonce, encrypt)
