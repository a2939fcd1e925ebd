"""Everything that writes the indicator catalogue."""

from .models import Indicator


def catalogue_copy(*, from_year: int, to_year: int) -> int:
    """Start a year's catalogue as a copy of another year's targets (codes it already has are
    kept as they are); returns how many indicators were added."""
    existing = set(Indicator.objects.filter(year=to_year).values_list("code", flat=True))
    copies = []
    for indicator in Indicator.objects.filter(year=from_year):
        if indicator.code not in existing:
            indicator.pk = None
            indicator.year = to_year
            copies.append(indicator)
    Indicator.objects.bulk_create(copies)
    return len(copies)
