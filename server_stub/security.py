"""Secrets the server hands out or keeps: device tokens, pairing codes, passwords.

Tokens and codes are stored only as their sha256: a copy of the database lets nobody in.
A pairing code is short so that it can be typed on a phone; it is single-use and expires,
which is what makes 40 bits enough. A pairing retried with the phone's secret attempt id
(sync_messages.PairRequest) is stored only as its sha256 too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from field_app.domain.sync_messages import normalize_pairing_code

# No 0/O, 1/I/L: a code read aloud or off a screen is typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_pairing_code() -> str:
    """`ABCD-EFGH`: shown grouped, accepted with or without the dash, in either case."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_pairing_code(code).encode()).hexdigest()


def attempt_hash(attempt: str) -> str:
    return hashlib.sha256(attempt.encode()).hexdigest()


def new_id(prefix: str = "", nbytes: int = 8) -> str:
    return prefix + secrets.token_hex(nbytes)


def hash_password(password: str) -> str:
    """`scrypt$n=..,r=..,p=..$<salt>$<key>`: the parameters travel with the hash, so they
    can be raised later without breaking stored passwords."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN)
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, params, salt, key = stored.split("$")
        values = dict(part.split("=") for part in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        expected = base64.b64decode(key + "=" * (-len(key) % 4), altchars=b"-_")
        salt_bytes = base64.b64decode(salt + "=" * (-len(salt) % 4), altchars=b"-_")
    except (ValueError, KeyError):
        return False
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(_scrypt(password, salt_bytes, n, r, p, len(expected)), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # scrypt needs 128 * n * r bytes; OpenSSL's default ceiling (32 MB) is too close.
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * n * r + 1024 * 1024)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
