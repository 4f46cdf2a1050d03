"""Everyday words people type for product vocabulary the documents use: query-side expansion only."""

from __future__ import annotations

# Kept short and generic on purpose: each entry maps a word employees say to the words docs say, each a word
# that says the same on its own or a phrase ("single sign") that does only whole.
# Expansions add weaker evidence; a question's own words always count most.
ALIASES: dict[str, tuple[str, ...]] = {
    "wipe": ("reset", "clear", "delete"),
    "erase": ("reset", "delete"),
    "spa": ("single page application",),
    "leave": ("exit",),
    "combine": ("consolidated",),
    "combined": ("consolidated",),
    "aggregate": ("consolidated",),
    "rolled": ("consolidated",),
    "charity": ("nonprofit",),
    "charities": ("nonprofit",),
    "university": ("education",),
    "universities": ("education",),
    "school": ("education",),
    "2fa": ("two factor authentication",),
    "mfa": ("two factor authentication", "2fa"),
    "sso": ("single sign",),
    "kick": ("remove",),
    "live": ("realtime",),
    "iframe": ("embed",),
    "ga": ("google analytics",),
    "ga4": ("google analytics",),
    "receipt": ("invoice",),
    "receipts": ("invoices",),
    "adblock": ("adblocker", "proxy"),
    "adblockers": ("adblocker", "proxy"),
    "signup": ("register",),
    "spreadsheet": ("csv",),
    "excel": ("csv",),
    "hashbang": ("hash",),
    "routing": ("path",),
    # A phone's platform is the docs' "mobile"; a currency's code is a "currency".
    "iphone": ("mobile",),
    "ipad": ("mobile",),
    "ios": ("mobile",),
    "android": ("mobile",),
    **{
        code: ("currency",)
        for code in ("usd", "eur", "gbp", "chf", "jpy", "cad", "aud", "sek", "nok", "dkk", "pln")
    },
}
ALIAS_WEIGHT = 0.5
