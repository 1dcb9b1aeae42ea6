"""The partner pages run a fixed number of queries however much an enterprise has done."""

import pytest

from db import partners
from db.market.periods import local_today
from tests import partners_support as support

PAGES = (
    "/partners/{id}",
    "/partners/",
    "/partners/report",
    "/partners/coverage",
    "/partners/reminders",
    "/partners/visits",
    "/partners/duplicates",
)


def fill(enterprise, make_user, scale):
    """`scale` of everything: events with registrations, applications, donations, visits,
    contacts and a merged duplicate with its own history."""
    for n in range(scale):
        event = support.make_event(f"论坛{enterprise.id}-{n}", days_ago=10 + n * 40)
        support.register(event, enterprise)
        support.register(event, enterprise, checked_in=False)
        course = support.make_course(f"研修班{enterprise.id}-{n}")
        support.apply(course, make_user(enterprise=enterprise), enterprise, certificate=n % 2 == 0)
        support.donate(enterprise.name, money=10_000 + n)
        partners.add_contact(enterprise.id, f"联系人{n}", f"1380000{n:04d}", consent=True)
        partners.record_visit(enterprise.id, local_today(), "frontline", f"走访{n}", needs="需求")
        duplicate = partners.save_enterprise(f"{enterprise.name}分号{n}")
        support.register(event, duplicate)
        partners.merge(enterprise.id, duplicate.id)


def counts(client, query_counter, enterprise):
    found = {}
    for page in PAGES:
        path = page.format(id=enterprise.id)
        client.get(path)  # warm up
        with query_counter() as counter:
            assert client.get(path).status_code == 200
        found[page] = counter.count
    return found


@pytest.mark.parametrize("budget", [{"/partners/{id}": 14, "/partners/report": 12}])
def test_queries_do_not_grow_with_the_data(login_as, make_user, query_counter, budget):
    client = login_as("staff")
    small = partners.save_enterprise("小企业", status="strategic", sector="park")
    fill(small, make_user, 1)
    before = counts(client, query_counter, small)
    big = partners.save_enterprise("大企业", status="strategic", sector="park")
    fill(big, make_user, 8)
    after = counts(client, query_counter, big)
    assert after == before, (before, after)
    for page, limit in budget.items():
        assert after[page] <= limit, (page, after[page])
