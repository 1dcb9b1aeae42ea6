# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""Chinese text of the market uses full-width punctuation (？！，：；（）), in its catalog and in
what its pages put together around names (an item and its unit in a select)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.market_helpers import make_item  # noqa: F401

CATALOG = Path(__file__).resolve().parent.parent / "translations/market/zh_Hans_CN/LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
# ASCII punctuation where Chinese text wants the full-width mark: ? ! , : ; anywhere, and ( )
# or a quote next to a Chinese character or a slot filled with Chinese text.
HALF_WIDTH = re.compile(r"[?!,:;]|[\u4e00-\u9fff\x00][ ]?[()\"']|[()\"'][ ]?[\u4e00-\u9fff\x00]")


def half_width_marks(text):
    """The ASCII punctuation marks in a Chinese message (placeholders stand for Chinese)."""
    return HALF_WIDTH.findall(PLACEHOLDER.sub("\x00", text))


def test_the_check_finds_ascii_punctuation():
    assert half_width_marks("确定向 %(count)s 户发放积分吗?")
    assert half_width_marks("%(item)s (%(unit)s)")
    assert half_width_marks("卡内积分: %(balance)s")
    assert not half_width_marks("确定向 %(count)s 户发放积分吗？")
    assert not half_width_marks("请以元为单位输入金额，例如 45 或 45.50。")


def test_the_chinese_catalog_uses_full_width_punctuation():
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(message.id, s) for s in strings if message.id and half_width_marks(s)]
    assert not found, found


class Text(HTMLParser):
    """The text a page shows, and its option labels."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


@pytest.mark.parametrize("url", ["/market/donations/new", "/market/purchases/new"])
def test_item_choices_read_in_chinese(login_as, make_item, url):
    make_item(name="大米（5公斤）", unit="袋")
    parser = Text()
    parser.feed(login_as("staff").get(url).get_data(as_text=True))
    shown = "".join(parser.parts)
    assert "大米（5公斤）（袋）" in shown
    assert not re.search(r"[\u4e00-\u9fff）][ ]?\(|\)[ ]?[\u4e00-\u9fff]", shown)
