"""Where the device token is kept: one seam, so the sync client does not care where.

The token is the phone's one secret: whoever holds it sends visits as the shopper. The app
on a phone keeps it in the platform's secure storage (`field_app.secure_vault`, over Flet's
SecureStorage, which needs a running Flet session). Whatever runs with no Flet page keeps
it in the store's settings table with the rest of the pairing (`SettingsVault`):
`fieldaudit pair` and `fieldaudit sync`, the app served to a browser from a data folder,
and the tests.

Reads are synchronous and cheap: the sync client runs in worker threads and asks for the
token at every run.
"""

from __future__ import annotations

from typing import Protocol

from field_app.store import Store

# Where the settings table keeps it; app versions before the secure storage kept it here too.
TOKEN_SETTING = "sync.token"


class TokenVault(Protocol):
    """Keeps the device token of the phone's current pairing."""

    def token(self) -> str | None:
        """The device token, or None when the phone is not paired."""
        ...

    def keep(self, token: str) -> None:
        """Keep the token of a new pairing in place of any other."""
        ...

    def forget(self) -> None:
        """Forget the token: unpaired here, or revoked by the server."""
        ...


class SettingsVault:
    """The token in the settings table of the phone's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def token(self) -> str | None:
        return self.store.setting(TOKEN_SETTING) or None

    def keep(self, token: str) -> None:
        self.store.set_settings({TOKEN_SETTING: token})

    def forget(self) -> None:
        self.store.erase_setting(TOKEN_SETTING)
