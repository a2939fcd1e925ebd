class DomainError(Exception):
    """A refusal the user should read: views turn it into a message, never a 500."""

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class StaleEditError(DomainError):
    def __init__(self, message, *, code: str = "stale"):
        super().__init__(message, code=code)
