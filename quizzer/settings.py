"""Per-collection settings: what they are, their defaults, and how a typed value is checked.

Settings are stored in the collection (so they travel with it); this module is pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizzer.errors import UsageError


@dataclass(frozen=True)
class Setting:
    """One setting: its type, default, allowed range and a line of help."""

    key: str
    type: type
    default: int | float
    low: float
    high: float
    help: str

    def parse(self, text: str) -> int | float:
        """The value of `text`, or a UsageError that says what is allowed."""
        try:
            value = self.type(text)
        except ValueError:
            kind = "a whole number" if self.type is int else "a number"
            raise UsageError(f"{self.key} must be {kind}, not {text!r}") from None
        if not self.low <= value <= self.high:
            raise UsageError(
                f"{self.key} must be between {self.low:g} and {self.high:g}, not {text}"
            )
        return value


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("new_per_day", int, 20, 0, 9999, "new cards introduced per study day"),
        Setting("day_starts_at", int, 4, 0, 23, "hour (local time) at which a study day begins"),
        Setting("code_timeout", float, 5.0, 0.5, 120, "seconds a code card may run in verify"),
    )
}


def lookup(key: str) -> Setting:
    """The setting called `key`, or a UsageError listing the known ones."""
    try:
        return SETTINGS[key]
    except KeyError:
        known = ", ".join(SETTINGS)
        raise UsageError(f"there is no setting {key!r}; the settings are: {known}") from None


def resolve(stored: dict[str, str]) -> dict[str, int | float]:
    """Every setting's value: stored ones parsed, the rest at their defaults."""
    values: dict[str, int | float] = {}
    for key, setting in SETTINGS.items():
        values[key] = setting.parse(stored[key]) if key in stored else setting.default
    return values
