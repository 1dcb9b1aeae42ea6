"""Short codes people read out or scan, and private link tokens.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so it survives
being read over the phone or typed from a printout: 31^8 ≈ 8.5 × 10^11 codes. A private
token carries 192 random bits and opens one person's registration without signing in.
"""

import re
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{32,64}$")


def random_code():
    """A fresh random code (the caller checks uniqueness against its table)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def unique_code(field, attempts=20):
    """A random code not yet used in the unique column `field`."""
    model = field.model
    for _ in range(attempts):
        code = random_code()
        if not model.select().where(field == code).exists():
            return code
    raise RuntimeError("could not find a free code")  # pragma: no cover - 1e-200 odds


def normalise_code(text):
    """A typed or scanned code: upper case, with spaces and dashes removed."""
    return re.sub(r"[\s\-]", "", (text or "").upper())[:40]


def is_code(text):
    """True for a well-formed code (after normalise_code)."""
    return bool(CODE_RE.match(text or ""))


def new_token():
    """A private link token of TOKEN_BYTES random bytes, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(text):
    """True for something shaped like a private link token (before any lookup)."""
    return bool(TOKEN_RE.match(text or ""))
