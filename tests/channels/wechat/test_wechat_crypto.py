"""Signatures and AES safe mode, checked against the official vector and against wechatpy."""
from __future__ import annotations

import base64
import os

import pytest
from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature as wechatpy_check_signature

from bot.channels.wechat.crypto import (
    CryptoError,
    MessageCrypto,
    check_msg_signature,
    check_signature,
    decode_aes_key,
    sha1_signature,
)

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx0123456789abcdef"


def test_official_vector() -> None:
    assert sha1_signature("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"
    assert check_signature("AAAAA", "899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037059", "486452656")
    # wechatpy agrees (it raises on mismatch)
    wechatpy_check_signature("AAAAA", "899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037059", "486452656")


@pytest.mark.parametrize(
    "signature,timestamp,nonce",
    [
        ("899cf89e464efb63f54ddac96b0a0a235f53aa79", "1714037059", "486452656"),  # one digit off
        ("899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037060", "486452656"),  # other timestamp
        ("899cf89e464efb63f54ddac96b0a0a235f53aa78", "1714037059", "486452657"),  # other nonce
        ("", "1714037059", "486452656"),
        (None, "1714037059", "486452656"),
        ("899cf89e464efb63f54ddac96b0a0a235f53aa78", None, "486452656"),
        ("签名", "1714037059", "486452656"),  # non-ASCII must not crash compare_digest
    ],
)
def test_signature_mismatch(signature, timestamp, nonce) -> None:
    assert not check_signature("AAAAA", signature, timestamp, nonce)
    if signature and timestamp and signature.isascii():
        with pytest.raises(InvalidSignatureException):
            wechatpy_check_signature("AAAAA", signature, timestamp, nonce)


def test_empty_token_never_verifies() -> None:
    assert not check_signature("", sha1_signature("", "1", "2"), "1", "2")


def test_key_is_base64_of_aes_key_plus_padding() -> None:
    assert decode_aes_key(AES_KEY) == base64.b64decode(AES_KEY + "=")
    for bad in ("short", AES_KEY + "H", AES_KEY[:-1] + "*"):
        with pytest.raises(ValueError) as info:
            decode_aes_key(bad)
        assert AES_KEY[:10] not in str(info.value)  # no key material in messages


def test_we_encrypt_wechatpy_decrypts() -> None:
    ours = MessageCrypto("t", AES_KEY, APPID)
    xml = "<xml><Content><![CDATA[社保卡丢了]]></Content></xml>"
    ciphertext = ours.encrypt(xml)
    assert PrpCrypto(decode_aes_key(AES_KEY)).decrypt(ciphertext, APPID) == xml
    # block layout: 32-byte PKCS#7 blocks
    assert len(base64.b64decode(ciphertext)) % 32 == 0


def test_wechatpy_encrypts_we_decrypt() -> None:
    xml = "<xml><Content><![CDATA[驾照快到期了]]></Content></xml>" * 3
    ciphertext = PrpCrypto(decode_aes_key(AES_KEY)).encrypt(xml, APPID).decode()
    assert MessageCrypto("t", AES_KEY, APPID).decrypt(ciphertext) == xml


def test_wrong_appid_is_rejected() -> None:
    ciphertext = PrpCrypto(decode_aes_key(AES_KEY)).encrypt("<xml/>", "wxOTHERACCOUNT0000").decode()
    with pytest.raises(CryptoError, match="appid"):
        MessageCrypto("t", AES_KEY, APPID).decrypt(ciphertext)


@pytest.mark.parametrize(
    "ciphertext",
    [
        "not base64 at all!",
        base64.b64encode(b"short").decode(),
        base64.b64encode(os.urandom(33)).decode(),  # not a multiple of 16
        base64.b64encode(os.urandom(64)).decode(),  # random blocks: bad padding or length
        "",
    ],
)
def test_garbage_ciphertext_is_a_crypto_error(ciphertext: str) -> None:
    with pytest.raises(CryptoError):
        MessageCrypto("t", AES_KEY, APPID).decrypt(ciphertext)


def test_length_field_pointing_past_the_end_is_rejected() -> None:
    crypto = MessageCrypto("t", AES_KEY, APPID)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from bot.channels.wechat.crypto import pkcs7_pad

    key = decode_aes_key(AES_KEY)
    plain = pkcs7_pad(os.urandom(16) + (10_000).to_bytes(4, "big") + b"<xml/>" + APPID.encode())
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    ciphertext = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    with pytest.raises(CryptoError, match="length"):
        crypto.decrypt(ciphertext)


def test_msg_signature_covers_the_ciphertext() -> None:
    crypto = MessageCrypto("tok", AES_KEY, APPID)
    encrypt, signature = crypto.encrypt_reply("<xml/>", "1714037059", "486452656")
    assert check_msg_signature("tok", signature, "1714037059", "486452656", encrypt)
    assert not check_msg_signature("tok", signature, "1714037059", "486452656", encrypt[:-4] + "AAA=")
    assert crypto.decrypt_message(encrypt, signature, "1714037059", "486452656") == "<xml/>"
    with pytest.raises(CryptoError, match="msg_signature"):
        crypto.decrypt_message(encrypt, "0" * 40, "1714037059", "486452656")


def test_repr_has_no_key() -> None:
    assert AES_KEY not in repr(MessageCrypto("tok", AES_KEY, APPID))
    assert "tok" not in repr(MessageCrypto("tok", AES_KEY, APPID)).replace("MessageCrypto", "")
