"""Widgets shared by the screens: card views, the grade bar, charts."""
