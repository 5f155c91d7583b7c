"""`python -m quizzer` runs the command line."""

from quizzer.cli import main

main(prog_name="quizzer")
