"""Use cases: load → rules → write in one transaction → audit."""


class ServiceError(Exception):
    """A refusal with a message fit to show the user (Vietnamese)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Forbidden(Exception):
    """The acting user may not do this (services/accounts/permissions.py decides); portal/errors.py answers
    403. Not a ServiceError: a refusal of permission is never shown as a form message."""

    def __init__(self, message: str | None = None):
        super().__init__(message or "forbidden")
        self.message = message
