"""Names: the slots a name's claims take (see `crm.domain.names`), and telling a name typed
twice from a new one (spaces, punctuation, 项目 or 有限公司 do not make another project)."""
from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable

from crm.domain.values import _NAMESPACE, name_key


def slot_id(name: str, slot: int) -> uuid.UUID:
    key = name_key(name)
    return uuid.uuid5(_NAMESPACE, key if slot == 1 else f"{key}\x00{slot}")


#: Words a name may end with that do not tell two projects apart (phases do: 一期, 二期).
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "项目")
_NOT_WORD = re.compile(r"[\W_]+")


def squeezed(name: str) -> str:
    """A name without spaces, punctuation or a common suffix (合成 新材料项目 → 合成新材料):
    two names that squeeze alike are one project typed twice, more likely than two."""
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[:-len(suffix)], True
    return text


def near(name: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The names nearest to `name`, nearest first: the same once squeezed, containing it or
    contained in it, then by spelling."""
    import difflib  # only when a name was not found

    wanted = squeezed(name)
    pool = list(dict.fromkeys(names))
    same = [x for x in pool if squeezed(x) == wanted]
    parts = [x for x in pool if x not in same and wanted and (wanted in squeezed(x)
                                                              or squeezed(x) in wanted)]
    close = difflib.get_close_matches(wanted, {squeezed(x): x for x in pool}, n=n, cutoff=0.5)
    by_squeeze = {squeezed(x): x for x in pool}
    spelled = [by_squeeze[c] for c in close if by_squeeze[c] not in same + parts]
    return (same + parts + spelled)[:n]
