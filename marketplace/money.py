"""Money: integer minor units and an ISO 4217 currency, always together."""

from dataclasses import dataclass

# ISO 4217 minor-unit exponents for the currencies a marketplace may use.
CURRENCY_EXPONENTS: dict[str, int] = {
    "CAD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "AUD": 2,
    "TWD": 2,
    "JPY": 0,
    "KRW": 0,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_EXPONENTS)]


def major_units(amount: int, currency: str) -> str:
    """The amount as people write it, without the currency: 123450 CAD → '1234.50', 1234 JPY → '1234'."""
    exponent = CURRENCY_EXPONENTS[currency]
    if exponent == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, minor = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole}.{minor:0{exponent}d}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an integer number of minor units")
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValueError(f"unsupported currency {self.currency!r}")

    def as_json(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency}

    def __add__(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{major_units(self.amount, self.currency)} {self.currency}"
