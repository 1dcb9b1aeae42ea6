"""One pagination helper for every list: a page of rows with its total, clamped to range."""

from dataclasses import dataclass


@dataclass
class Page:
    """One page of a list: `rows`, the `total` number of rows, this `page` and `per_page`."""

    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def paginate(query, page, per_page, total=None):
    """Page `page` (1-based) of a peewee `query`, `per_page` rows a page.

    A page past the end shows the last page (a list that shrank between two clicks must not
    show an empty table). `total` may be given when it was counted already.
    """
    per_page = max(1, per_page)
    if total is None:
        total = query.order_by().count()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(query.paginate(page, per_page)) if total else []
    return Page(rows=rows, total=total, page=page, per_page=per_page)


def paginate_list(rows, page, per_page):
    """The same for rows already in memory (a list built in Python)."""
    per_page = max(1, per_page)
    total = len(rows)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * per_page : page * per_page]
    return Page(rows=shown, total=total, page=page, per_page=per_page)
