"""Secrets stay hidden in every text the runtime produces."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.runtime import Secret, redact_headers, redact_text, redact_url
from generator.runtime._redact import body_excerpt

from .fakes import APP_SECRET, SIGNATURE, SIGNED_URL


def test_secret_hides_its_value_everywhere() -> None:
    s = Secret(APP_SECRET)
    assert s.get() == APP_SECRET
    shown = [
        repr(s),
        str(s),
        f"{s}",
        f"{s!r}",
        "%s" % s,
        repr([s]),
        repr({"k": s}),
    ]  # noqa: UP031
    assert all(APP_SECRET not in text for text in shown)
    assert repr(s) == "'***'" and str(s) == "***"
    assert s == APP_SECRET and s == Secret(APP_SECRET) and s != "other"
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_redact_url_masks_credential_query_values_and_keeps_the_rest() -> None:
    shown = redact_url(SIGNED_URL)
    assert SIGNATURE not in shown and "AKIDEXAMPLE123" not in shown
    assert "Expires=1700000000" in shown
    assert shown.startswith("https://obs.example.com/rec/1.wav?AccessKeyId=***")
    assert "Signature=***" in shown
    for name in (
        "sig",
        "token",
        "access_token",
        "key",
        "secret",
        "password",
        "X-Amz-Signature",
    ):
        assert (
            redact_url(f"https://h/p?{name}=VALUE123&page=2")
            == f"https://h/p?{name}=***&page=2"
        )
    assert redact_url("https://user:pw123@h/p") == "https://user:***@h/p"
    assert (
        redact_url("https://h/p?offset=0&limit=10") == "https://h/p?offset=0&limit=10"
    )


def test_redact_headers_masks_credentials_case_insensitively() -> None:
    headers = {
        "authorization": "Bearer abc",
        "Proxy-Authorization": "Basic x",
        "Cookie": "s=1",
        "Set-Cookie": "s=1",
        "X-Auth-Token": "t",
        "Content-Type": "application/json",
        "Location": SIGNED_URL,
    }
    shown = redact_headers(headers)
    assert shown["authorization"] == shown["Proxy-Authorization"] == "***"
    assert shown["Cookie"] == shown["Set-Cookie"] == shown["X-Auth-Token"] == "***"
    assert shown["Content-Type"] == "application/json"
    assert (
        SIGNATURE not in shown["Location"] and "Expires=1700000000" in shown["Location"]
    )


def test_redact_text_masks_known_secrets_urls_bearer_and_json_fields() -> None:
    text = (
        f'{{"AccessToken": "tok-zzz", "app_secret": "{APP_SECRET}", "recordPath": "{SIGNED_URL}",'
        f' "retMsg": "ok", "note": "Authorization: Bearer abc.def-ghi"}} and {APP_SECRET}'
    )
    shown = redact_text(text, [APP_SECRET])
    for secret in (APP_SECRET, "tok-zzz", SIGNATURE, "abc.def-ghi", "AKIDEXAMPLE123"):
        assert secret not in shown
    assert '"retMsg": "ok"' in shown and "Expires=1700000000" in shown
    assert '"recordPath": "***"' in redact_text(text, fields=["recordPath"])


def test_redact_text_masks_a_json_value_cut_off_mid_string() -> None:
    assert "half-a-tok" not in redact_text('{"AccessToken": "half-a-tok')


def test_body_excerpt_is_redacted_before_it_is_cut() -> None:
    body = ("x" * 495 + APP_SECRET).encode()
    excerpt = body_excerpt(body, [APP_SECRET], limit=500)
    assert len(excerpt) <= 500
    assert APP_SECRET[:5] not in excerpt


@given(
    secret=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126),
        min_size=8,
        max_size=40,
    ),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_known_secret_never_survives_redaction(
    secret: str, before: str, after: str
) -> None:
    assert secret not in redact_text(before + secret + after + secret, [secret])
