"""Mobile numbers, credit codes and masking."""

import pytest

from db.validators import (
    credit_code_check_char,
    is_credit_code,
    is_mobile,
    mask_mobile,
    mask_name,
    normalise_mobile,
)


@pytest.mark.parametrize("value", ["13800001234", "19912345678", "15000000000"])
def test_mainland_mobiles_accepted(value):
    assert is_mobile(value)


@pytest.mark.parametrize(
    "value", ["", "1380000123", "138000012345", "12800001234", "23800001234", "1380000123a"]
)
def test_bad_mobiles_refused(value):
    assert not is_mobile(value)


def test_mobile_normalised_from_common_typing():
    assert normalise_mobile(" +86 138-0000-1234 ") == "13800001234"


def test_credit_code_check_character_per_gb32100():
    # A published example code and one computed here.
    assert is_credit_code("91350100M000100Y43")
    assert credit_code_check_char("91310000132149237") == "G"
    assert is_credit_code("91310000132149237g")  # case-insensitive


@pytest.mark.parametrize(
    "value",
    ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y431", "91350100I000100Y43", ""],
)
def test_bad_credit_codes_refused(value):
    assert not is_credit_code(value)


def test_masks():
    assert mask_mobile("13800001234") == "138****1234"
    assert mask_name("张晓明") == "张*明"
    assert mask_name("张明") == "张*"
    assert mask_name("欧阳晓明") == "欧**明"
    assert mask_name("Li Ming") == "L* M**g"
