"""A store's URL is shown with its secrets masked by where they stand in it (the user
information's password, a `password=` parameter), never by looking for the password's text
elsewhere — and no message of the tool shows a password, whatever the URL a user types."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm.store.pgurl import parse, redact


@pytest.mark.parametrize("url,shown", [
    ("postgresql://u:S3cr3t@db:5432/zone", "postgresql://u:***@db:5432/zone"),
    ("postgresql://u:127@127.0.0.1:5432/zone", "postgresql://u:***@127.0.0.1:5432/zone"),
    ("postgresql://u:S3cr3t#Zq9@db/zone", "postgresql://u:***@db/zone"),
    ("postgresql://u:S3cr3t/Zq9@db/zone", "postgresql://u:***@db/zone"),
    ("postgresql://u@db/zone?password=S3cr3t&sslmode=require",
     "postgresql://u@db/zone?password=***"),
    ("postgresql://u@db/zone?sslmode=require&PassWord=S3cr3t",
     "postgresql://u@db/zone?sslmode=require&PassWord=***"),
    ("postgresql://u@db/zone?%70assword=S3cr3t", "postgresql://u@db/zone?%70assword=***"),
    ("postgresql://u:S3cr3t", "postgresql://u:***"),  # the @ and host left out
    ("postgresql://db/zone", "postgresql://db/zone"),
    ("not a url", "postgresql://…"),
])
def test_secrets_are_masked_by_where_they_stand(url, shown):
    assert redact(url) == shown


def test_a_password_like_the_host_leaves_the_host_alone():
    assert "127.0.0.1" in redact("postgresql://u:127@127.0.0.1:5432/zone")
    assert parse("postgresql://u:127@127.0.0.1:5432/zone").host == "127.0.0.1"


def test_a_password_parameter_is_the_password_for_the_driver():
    target = parse("postgresql://u@db/zone?password=S%40f3&sslmode=require")
    assert target.password == "S@f3" and target.options == {"sslmode": "require"}


_PASSWORD = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\x00\n\r"),
                    min_size=4, max_size=16).map(lambda s: "Zq9" + s)
_SHAPES = [
    "postgresql://u:{p}@127.0.0.1:1/zone",
    "postgresql://u:{p}@127.0.0.1:1/zone?sslmode=disable",
    "postgresql://u@127.0.0.1:1/zone?password={p}",
    "postgresql://u@127.0.0.1:1/zone?sslmode=disable&password={p}&x=1",
    "postgresql://u:{p}",
    "postgresql://u:{p}@",
    "postgresql://u:{p}@127.0.0.1:notaport/zone",
    "postgresql://:{p}@127.0.0.1:1/",
    "postgres://u:{p}@[::1:1/zone",
    "postgresql://u:{p}@127.0.0.1:1/zone#frag",
    "postgresql://u:{p}@127.0.0.1:99999/zone",
]


@settings(max_examples=200, deadline=None)
@given(password=_PASSWORD, shape=st.sampled_from(_SHAPES))
def test_redact_never_shows_the_password(password, shape):
    assert password not in redact(shape.format(p=password))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=_PASSWORD, shape=st.sampled_from(_SHAPES), debug=st.booleans())
# a record separator left in the host: a line break to `splitlines`, so it must come escaped
@example(password="Zq900@\x1e", shape="postgresql://u:{p}", debug=False)
def test_no_message_shows_the_password(password, shape, debug, capsys, monkeypatch):
    """Through the whole command line, --debug included: a server that is not there (port 1)
    or a URL that cannot be read, refused in words that hold no secret."""
    pytest.importorskip("psycopg")
    import cli

    monkeypatch.setenv("CRM_LANG", "en")
    monkeypatch.delenv("CRM_NOW", raising=False)
    url = shape.format(p=password)
    capsys.readouterr()
    try:
        code = cli.main(["--store", url, *(["--debug"] if debug else []), "list"])
    except Exception as e:  # noqa: BLE001 - --debug lets an unexpected failure through
        import traceback

        text = "".join(traceback.format_exception(e))
        assert password not in text
        return
    out, err = capsys.readouterr()
    assert code == 2, err
    assert password not in out + err
    assert len(err.splitlines()) == 1
