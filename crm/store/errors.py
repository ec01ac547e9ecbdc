"""What can go wrong with a store before any rule of the log is asked."""
from __future__ import annotations

from crm.domain.errors import CrmError


class StoreUnavailable(CrmError):
    """params: store, reason — the store cannot be opened or used as it is."""
