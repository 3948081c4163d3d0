"""The one kind of error core raises for input a learner supplied (a table, a file, a matrix).

`code` names the message in the catalogs (`<namespace>.<table>.<code>`) and `fields` fill its
placeholders, so a page shows a sentence in the learner's language, never a traceback.
"""


class InputError(ValueError):
    """Learner input that cannot be used; each lesson subclasses it under its own name."""

    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code = code
        self.fields = fields
