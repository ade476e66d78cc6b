import pytest

from syncsvc.config import settings_from_dict
from syncsvc.errors import ConfigError
from syncsvc.store.tokens import TokenCipher


def test_round_trip_and_no_plaintext():
    cipher = TokenCipher("correct horse battery staple")
    secret = "RT-AB11234567890abcdef"
    encrypted = cipher.encrypt(secret)
    assert secret not in encrypted
    assert cipher.decrypt(encrypted) == secret
    # The key is derived deterministically: another process with the same passphrase can read it.
    assert TokenCipher("correct horse battery staple").decrypt(encrypted) == secret


def test_wrong_key_is_a_clear_config_error():
    encrypted = TokenCipher("one").encrypt("token")
    with pytest.raises(ConfigError, match="SYNCSVC_SECRET_KEY"):
        TokenCipher("two").decrypt(encrypted)


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("SYNCSVC_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SYNCSVC_SECRET_KEY"):
        TokenCipher.from_settings(settings_from_dict({}))


def test_repr_hides_the_key():
    assert "horse" not in repr(TokenCipher("correct horse"))
