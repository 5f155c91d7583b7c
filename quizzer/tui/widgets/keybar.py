"""The key bar at the bottom of every screen, generated from the screen's bindings.

Textual's Footer rebuilds a widget per key each time the bindings change, which in a review
is twice per card; this bar is one line of text redrawn from `Screen.active_bindings`, so
going from a grade to the next card stays fast. Keys whose action is disabled right now
(`check_action` returns None) are shown dim; hidden ones (False) are left out.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """One line: `key description` for every shown binding of the screen, then the palette."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        self.refresh()

    def render(self) -> Text:
        """The keys as text, in the order the screen declares them."""
        variables = self.app.theme_variables
        key_style = f"bold {variables.get('accent', 'yellow')}"
        out = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        palette = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            dim = "" if active.enabled else " dim"
            if out:
                out.append("  ")
            out.append(self.app.get_key_display(binding), style=key_style + dim)
            out.append(f" {binding.description}", style=dim.strip())
        if palette is not None:
            out.append("  ")
            out.append(self.app.get_key_display(palette), style=key_style)
            out.append(" palette")
        return out
