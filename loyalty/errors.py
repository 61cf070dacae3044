"""What the loyalty services refuse, each with a message a person can act on."""


class LoyaltyError(Exception):
    """Base of every refusal of the ledger."""


class LoyaltyValidationError(LoyaltyError):
    """Bad input: `errors` names each bad field with what is wrong. Nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class PointsKeyConflictError(LoyaltyError):
    """The idempotency key was already used for a different entry."""
