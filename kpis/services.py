"""Everything that writes the indicator catalogue."""

from .models import Indicator, ProgrammeYear


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
    period = ProgrammeYear.objects.filter(year=from_year).first()
    if period and not ProgrammeYear.objects.filter(year=to_year).exists():
        shift = to_year - from_year
        ProgrammeYear.objects.create(
            year=to_year,
            title=period.title.replace(str(from_year), str(to_year)),
            starts_on=_shifted(period.starts_on, shift),
            ends_on=_shifted(period.ends_on, shift),
        )
    return len(copies)


def _shifted(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
