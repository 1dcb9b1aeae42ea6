"""Amounts in Chinese capital numerals (大写金额), as on receipts and certificates.

Follows the rules of the People's Bank of China's 《支付结算办法》: 整 after 元 when there are
no 角 or 分 (none after 角 or 分); one 零 for a run of zeros inside the number (壹万零伍元整,
陆仟零柒元壹角肆分); 零 between 元 and 分 when 角 is zero (叁佰贰拾伍元零肆分); a zero 元 digit
before a 角 writes no 零 (壹仟陆佰捌拾元叁角贰分, the shorter of the two allowed forms); tens
keep their 壹 (壹拾万元整).
"""

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group(number):
    """0 < number < 10000 in capitals, zeros inside collapsed to one 零, none at the end."""
    text = ""
    zero_pending = False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero_pending = bool(text)
            continue
        if zero_pending:
            text += "零"
            zero_pending = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def _yuan(number):
    """A positive whole number of yuan in capitals, without the 元."""
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("amount too large")
    text = ""
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        # A zero at the top of this group (or a whole zero group above it) reads as one 零.
        if text and (value < 1000 or groups[index + 1] == 0):
            text += "零"
        text += _group(value) + GROUP_UNITS[index]
    return text


def capital_amount(fen):
    """An amount in fen in Chinese capital numerals: 1200000 → 壹万贰仟元整."""
    if fen < 0:
        raise ValueError("negative amount")
    yuan, rest = divmod(int(fen), 100)
    jiao, cents = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    text = _yuan(yuan) + "元" if yuan else ""
    if jiao == 0 and cents == 0:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if cents:
        text += DIGITS[cents] + "分"
    return text
