"""What the store-credit services refuse, each with a message a person can act on."""


class CreditError(Exception):
    """Base of every refusal of the ledger."""


class CreditValidationError(CreditError):
    """Bad input: `errors` names each bad field with what is wrong. Nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class InsufficientCreditError(CreditValidationError):
    """A spend (or a negative adjustment, a reversal of issued credit) bigger than the balance."""


class CurrencyMismatchError(CreditValidationError):
    """The customer's credit is in another currency than the one asked for."""


class CreditKeyConflictError(CreditError):
    """The idempotency key was already used for a different entry."""
