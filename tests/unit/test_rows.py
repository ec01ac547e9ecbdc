"""The read models' rows made the quick way are the very text and values of the plain way."""
from __future__ import annotations

import json
import uuid

from hypothesis import given
from hypothesis import strategies as st

from projections.rows import visit_data

#: What a visit's participants or note may hold: nothing, text of any kind, a list of names.
_TEXT = st.text(alphabet=st.characters(codec="utf-8"))
_VALUES = st.one_of(st.none(), _TEXT, st.lists(_TEXT, max_size=3))
_IDS = st.lists(st.uuids().map(lambda u: u.hex), max_size=4)


@given(_VALUES, _VALUES, _IDS)
def test_a_visit_s_data_is_the_encoder_s_text(participants, note, ids):
    plain = json.dumps({"participants": participants, "note": note, "project_ids": ids},
                       ensure_ascii=False)
    assert visit_data(participants, note, ids) == plain


def test_a_visit_s_data_with_hostile_text():
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, "a").hex, uuid.uuid5(uuid.NAMESPACE_URL, "b").hex]
    for text in ('引号"与\\反斜杠', "\n\t\x00\x1f", "\u2028\u2029", "\ud800", ""):
        plain = json.dumps({"participants": [text], "note": text, "project_ids": ids},
                           ensure_ascii=False)
        assert visit_data([text], text, ids) == plain
