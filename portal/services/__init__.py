"""Use cases: load → rules → write in one transaction → audit."""


class ServiceError(Exception):
    """A refusal with a message fit to show the user (Vietnamese)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
