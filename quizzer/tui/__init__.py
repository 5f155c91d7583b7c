"""The Textual app: `create_app` builds it (for the CLI and the tests), `run_app` runs it.

Nothing outside this package imports textual. Screens live in `screens/`, widgets in
`widgets/`, styles in `quizzer.tcss`. The app talks only to the service layer
(`quizzer.collection`, `session`, `browse`, `stats`, `quiz`); no SQL here.
"""
