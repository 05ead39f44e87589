"""Server templates and the descriptor structs."""

from __future__ import annotations

import pytest

from generator.runtime import ConfigurationError, ServerTemplate

from .fakes import CMS, CREATE_CALL, MOBILE


def test_defaults_fill_optional_variables() -> None:
    assert MOBILE.resolve() == "https://service.besclouds.com"
    assert (
        MOBILE.resolve(None, {"domain": "cec.example.com"}) == "https://cec.example.com"
    )


def test_required_variables_must_be_given() -> None:
    with pytest.raises(ConfigurationError, match="ip, port"):
        CMS.resolve()
    with pytest.raises(ConfigurationError, match="port"):
        CMS.resolve(None, {"ip": "10.0.0.1"})
    assert (
        CMS.resolve(None, {"ip": "10.0.0.1", "port": "28443"})
        == "https://10.0.0.1:28443"
    )


def test_base_url_wins_and_is_checked() -> None:
    assert CMS.resolve("https://10.1.1.1:8443/") == "https://10.1.1.1:8443"
    assert CMS.resolve("http://127.0.0.1:8080/prefix") == "http://127.0.0.1:8080/prefix"
    for bad in ("ftp://x", "not a url", "/relative", "https://h/p?x=1"):
        with pytest.raises(ConfigurationError):
            CMS.resolve(bad)
    with pytest.raises(ConfigurationError, match="not both"):
        CMS.resolve("https://h", {"ip": "x"})


def test_bad_variables_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown server variable"):
        MOBILE.resolve(None, {"domian": "x"})
    with pytest.raises(ConfigurationError):
        MOBILE.resolve(None, {"domain": "evil.com/path?"})
    with pytest.raises(ConfigurationError):
        ServerTemplate("https://{ip}:{port}").resolve(
            None, {"ip": "h", "port": "notaport"}
        )


def test_descriptors_are_frozen() -> None:
    # AttributeError: what a frozen msgspec Struct (and dataclass) raises on assignment.
    with pytest.raises(AttributeError):
        CREATE_CALL.retry_safe = True  # type: ignore[misc]
