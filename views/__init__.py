"""Request handling: one blueprint a module, plus the shared page, access and i18n helpers."""
