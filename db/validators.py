"""Checks for the identifiers people type: mainland mobile numbers and credit codes."""

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z), the last a check
# character computed from the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_mobile(value):
    """Strip spaces, dashes and a +86 prefix from a typed mobile number."""
    value = re.sub(r"[\s\-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def is_mobile(value):
    """True for a mainland 11-digit mobile number (1[3-9]xxxxxxxxx)."""
    return bool(MOBILE_RE.match(value or ""))


def credit_code_check_char(first17):
    """The check character for the first 17 characters of a unified social credit code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_credit_code(value):
    """True for an 18-character unified social credit code whose check character is right."""
    value = (value or "").upper()
    if len(value) != 18 or any(c not in CREDIT_CODE_ALPHABET for c in value):
        return False
    return credit_code_check_char(value[:17]) == value[17]


def mask_mobile(value):
    """138****1234: enough to recognise one's own number, not enough to call it."""
    if not value or len(value) < 7:
        return value or ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_username(value):
    """A username as the audit log may show it: an entrepreneur's (their mobile number) masked."""
    return mask_mobile(value) if is_mobile(value) else (value or "")


def mask_name(value):
    """张*明 / 张* / J*** S***: keep the first and (for three or more) last character."""
    value = (value or "").strip()
    if not value:
        return ""
    if " " in value:
        return " ".join(mask_name(part) for part in value.split())
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def one_line(text):
    """One line of text: control characters and line breaks become spaces, runs collapse.

    A title or a name with a line break in it would break an e-mail subject (a header cannot
    hold one), a file name or a sign-in sheet; nobody means one in a single-line field.
    """
    return " ".join(CONTROL_RE.sub(" ", str(text)).split())
