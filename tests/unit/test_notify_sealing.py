"""Webhook secrets encrypted at rest (services/notify/adapters/sealing.py): what is stored is not the secret, opens back
to it, and a key change is handled (the old key opens, rows are re-sealed) or refused loudly."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from pydantic import ValidationError

from services.notify.adapters.sealing import SecretBox, check_key
from services.notify.config import Settings

SECRET = "whsec_bí-mật-của-đơn-vị-0123456789"


def _key() -> str:
    return Fernet.generate_key().decode()


def test_the_stored_value_is_not_the_secret_and_opens_back_to_it() -> None:
    box = SecretBox([_key()])
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and SECRET.encode() not in sealed.encode()
    assert box.open(sealed) == SECRET
    assert box.seal(SECRET) != sealed  # a fresh IV each time: equal secrets do not look equal at rest
    with pytest.raises(InvalidToken):
        SecretBox([_key()]).open(sealed)  # another key opens nothing


def test_a_row_shows_its_secret_plain_before_the_upgrade_sealed_after() -> None:
    box = SecretBox([_key()])
    assert box.reveal(None) is None
    assert box.reveal({"webhook_secret": None, "webhook_secret_sealed": None}) is None
    assert box.reveal({"webhook_secret": None, "webhook_secret_sealed": box.seal(SECRET)}) == SECRET
    assert box.reveal({"webhook_secret": SECRET, "webhook_secret_sealed": None}) == SECRET
    # An older version wrote the plain column last: it wins over the stale sealed value.
    assert box.reveal({"webhook_secret": SECRET, "webhook_secret_sealed": box.seal("whsec_old")}) == SECRET


def test_the_key_kept_in_the_database_still_opens_once_the_operator_sets_one() -> None:
    held, configured = _key(), _key()
    sealed = SecretBox([held]).seal(SECRET)
    box = SecretBox([configured, held])
    assert box.open(sealed) == SECRET and not box.is_current(sealed)
    resealed = box.seal(box.open(sealed))
    assert box.is_current(resealed) and SecretBox([configured]).open(resealed) == SECRET


def test_a_box_without_keys_refuses_to_work() -> None:
    with pytest.raises(RuntimeError):
        SecretBox().seal(SECRET)


def test_notify_secret_key_must_be_a_fernet_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = _key()
    assert check_key(key) == key
    monkeypatch.setenv("NOTIFY_SECRET_KEY", key)
    settings = Settings()
    assert settings.secret_key.get_secret_value() == key and key not in repr(settings)
    monkeypatch.setenv("NOTIFY_SECRET_KEY", "not-a-key")
    with pytest.raises(ValidationError, match="Fernet key"):
        Settings()
    monkeypatch.delenv("NOTIFY_SECRET_KEY")
    assert Settings().secret_key.get_secret_value() == ""
