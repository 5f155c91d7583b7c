"""quizzer: spaced repetition in the terminal for Dive into Deep Learning."""

__version__ = "0.1.0"
