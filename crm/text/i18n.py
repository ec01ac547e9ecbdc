"""The message catalogue's Chinese, as gettext keeps it: `crm/locale/zh/LC_MESSAGES/crm.po`
(edited, and compiled to `crm.mo` with Babel; see `crm.text.catalogue`). English is the
catalogue's source language: the msgids are the English texts the code holds, each message
keyed by its context (`say`'s key, `error.ClassName`, a command's help).

Click's own words (usage errors, "Usage:", "Options:") are gettext-wrapped; they are
translated from the same catalogue, by making it gettext's domain for the command."""
from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

LOCALEDIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "crm"


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue for a language (English: the texts as written)."""
    if lang != "zh":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALEDIR, languages=["zh"], fallback=True)


def tr(text: str, lang: str, context: str | None = None) -> str:
    """`text` in `lang`; with a context, the entry of that context."""
    if lang != "zh" or not text:
        return text
    t = translations(lang)
    return t.pgettext(context, text) if context is not None else t.gettext(text)


def use_language(lang: str) -> None:
    """Make click's own messages speak `lang` for this command: the catalogue becomes
    gettext's domain, and the language gettext looks for is set."""
    gettext.bindtextdomain(DOMAIN, str(LOCALEDIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "zh" if lang == "zh" else "en"
