"""Extract each module's messages and update its zh_CN and en catalogs (run by `make i18n`).

New English entries get msgstr = msgid; new Chinese entries stay empty for a translator.
"""

import datetime
import pathlib
import subprocess
import sys

from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXED_DATE = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
LOCALES = ("zh_Hans_CN", "en")  # zh_CN parses to zh_Hans_CN in Babel


def update_module(folder):
    sources = [
        line.strip() for line in (folder / "SOURCES").read_text().splitlines() if line.strip()
    ]
    pot = folder / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(pot),
            *sources,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    for locale in LOCALES:
        po_path = folder / locale / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        # A fixed date: re-running the update must not change files (nor cause merge conflicts).
        catalog.creation_date = catalog.revision_date = FIXED_DATE
        if locale == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        with po_path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                omit_header=False,
                no_location=True,
                sort_output=True,
                ignore_obsolete=True,
                width=100,
            )
        missing = sum(
            1
            for m in catalog
            if m.id and not (m.string if not isinstance(m.string, tuple) else all(m.string))
        )
        print(f"{folder.name}/{locale}: {len(catalog)} messages, {missing} to translate")


if __name__ == "__main__":
    # `python translations/update.py market events` updates only those modules' catalogs.
    wanted = set(sys.argv[1:])
    for folder in sorted((ROOT / "translations").iterdir()):
        if (folder / "SOURCES").exists() and (not wanted or folder.name in wanted):
            update_module(folder)
