"""The partner ledger's rules: codes it stores, the credit-code check, name normalising.

Kept apart from the models so that forms, queries and tests use the same words and checks.
"""

import re
import unicodedata

from db.errors import DomainError

SECTORS = ("enterprise", "park", "building", "market")
# none: a record only (made by a registration); joint: in the joint-building network (联建单位);
# strategic: a long-term strategic partner (战略合作); ended: the partnership has ended.
STATUSES = ("none", "joint", "strategic", "ended")
PARTNER_STATUSES = ("joint", "strategic")  # Enterprise.is_partner follows these
PARTY_ORG_KINDS = ("independent", "joint", "none")
NONE_REASONS = ("no_members", "too_few_members", "forming", "other")
VISIT_KINDS = ("frontline", "return_visit")
FOLLOW_UP_STATES = ("none", "open", "in_progress", "done")
OPEN_FOLLOW_UP_STATES = ("open", "in_progress")

# The setting (db/settings.py) holding N of "partners not visited in N months".
VISIT_MONTHS_SETTING = "partners_visit_months"
DEFAULT_VISIT_MONTHS = 3
MAX_VISIT_MONTHS = 36

MAX_NAME_LENGTH = 100
FIRST_YEAR = 2000
LAST_YEAR = 2100


class PartnerError(DomainError):
    """A refused partner-ledger action (see views/partners/common.py for the messages)."""


# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); characters 3-8 are the
# administrative division code (digits); the 18th is a check character: the sum of each of
# the first 17 characters' values times 3^i mod 31, subtracted from 31 (31 becomes 0).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
CREDIT_CODE_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")


def normalise_credit_code(text):
    """A typed credit code in the form it is stored: full-width folded, no spaces, upper case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-]", "", folded).upper()


def credit_code_check_character(first17):
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_credit_code(code):
    """True when `code` (already normalised) is a well-formed credit code with a right check."""
    if not isinstance(code, str) or not CREDIT_CODE_SHAPE.fullmatch(code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


def check_credit_code(text):
    """The normalised credit code, None for a blank one; PartnerError for a wrong one."""
    code = normalise_credit_code(text)
    if not code:
        return None
    if len(code) != 18:
        raise PartnerError("credit_code_length", field="credit_code", length=len(code))
    if not CREDIT_CODE_SHAPE.fullmatch(code):
        raise PartnerError("credit_code_characters", field="credit_code")
    if not is_credit_code(code):
        raise PartnerError("credit_code_check", field="credit_code")
    return code


# Name normalising for duplicate suggestions: the parts two spellings of one enterprise
# usually differ in. Longest first, so 股份有限公司 goes before 有限公司.
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "companylimited",
    "coltd",
    "limited",
    "ltd",
    "inc",
)
PLACE_PREFIXES = ("上海市", "上海", "虹口区", "虹口")
BRACKETS = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
NOT_WORD = re.compile(r"[\W_]+")


def name_key(name):
    """The comparable core of an enterprise name: full-width folded, lower case, without
    bracketed parts (（上海）), spaces, punctuation, a leading 上海/虹口 or a legal suffix."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = BRACKETS.sub("", text)
    text = NOT_WORD.sub("", text)
    for prefix in PLACE_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix) :]
            break
    changed = True
    while changed:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def clean_name(text):
    """An enterprise name as stored: one line, single spaces, trimmed (full-width brackets
    kept, as Chinese names are written); PartnerError if blank or too long."""
    name = " ".join((text or "").split())
    if not name:
        raise PartnerError("name_required", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise PartnerError("name_too_long", field="name", limit=MAX_NAME_LENGTH)
    return name
