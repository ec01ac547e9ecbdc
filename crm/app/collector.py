"""Python's cycle collector held back while an import or the read models make a great many
objects."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_back(every: int | None = None) -> Iterator[None]:
    """The cycle collector run only once every `every` objects made (None: not at all)
    until the block ends, then set back as it was. An import makes hundreds of thousands of
    objects, nearly all without cycles, and each collection went through every one still
    alive: a tenth to a sixth of an import's time. Reference counting frees what the import
    drops, as always."""
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    if every is None:
        gc.disable()
    else:
        gc.set_threshold(max(thresholds[0], every), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if enabled:
            gc.enable()
