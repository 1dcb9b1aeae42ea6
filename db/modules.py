"""The data modules, listed once: every model, demo seeder, integrity check and privacy
provider of the application is found through `MODULES`.

A module (a package or module under `db/`) may define any of these names:

- `demo_seeders`: ((name, function), …) — `flask --app app seed-demo` (db/demo.py) runs each
  once per database, in the order of `MODULES`;
- `ledger_checks`: (function, …), each () -> (problems, summary line), and
  `number_checks`: (function, …), each () -> problems (gapless document numbers) —
  `flask --app app ledger verify` (db/integrity.py);
- `privacy_providers`: (db.privacy.PersonalData, …) — export, erase and purge of personal
  data (db/privacy.py), run by their `order`.

Nothing registers itself on import. Adding a module is one line here (its name in `MODULE_NAMES`);
what it contributes stays in its own package. The registries import this file when they first
need it (it imports every data module, which import the registries' helpers).
"""

import importlib

from db import audit, notices, settings  # noqa: F401  (shared tables without contributions)

# In the order their demo data is seeded: accounts and enterprises first, everything after
# may use them. One line a module.
MODULE_NAMES = (
    "accounts",
    "privacy",  # the core's personal data: notices, accounts, failed logins
    "events",
    "market",
    "training",
    "partners",
    "volunteers",  # teams, activities, hours; points into the market passbooks
    "outreach",  # SMS, staff alerts, reminders, invitations, copies, feedback
)
MODULES = tuple(importlib.import_module(f"db.{name}") for name in MODULE_NAMES)


def contributions(name):
    """Everything the modules define under `name`, module by module, in `MODULES` order."""
    return [item for module in MODULES for item in getattr(module, name, ())]
