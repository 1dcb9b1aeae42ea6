"""Numbers from the request: ASCII digits only, bounded, or the default.

`str.isdigit()` accepts "²" and "٣", which `int()` refuses or reads; `int()` also reads ids too
large for an INTEGER column, which the database then refuses with an error. Every number read
from the query string, a form or a field name goes through `parse_int`, and every `<int:...>`
URL argument through `BoundedIntConverter`, so bad input is simply "no number" (a 404 or the
default), never a 500.
"""

import re

from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds on PostgreSQL (and any id this app hands out).
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(text, default=None, minimum=0, maximum=MAX_ID):
    """`text` as an int when it is 1-10 ASCII digits within [minimum, maximum], else `default`."""
    if not isinstance(text, str):
        return default
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return default
    value = int(text)
    return value if minimum <= value <= maximum else default


def page_number(args):
    """The `page` query parameter of `args`, 1 for anything unusable."""
    return parse_int(args.get("page", "1"), default=1, minimum=1, maximum=99_999)


def int_list(values, limit=500):
    """The usable ids among `values` (checkboxes), in order, at most `limit`."""
    ids = (parse_int(value) for value in values)
    return [value for value in ids if value is not None][:limit]


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` URL arguments: an id beyond what the columns hold matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app):
    """Bound every `<int:...>` argument (call before the blueprints are registered)."""
    app.url_map.converters["int"] = BoundedIntConverter
