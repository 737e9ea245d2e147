from django.utils.text import slugify

from marketplace.models import Marketplace
from pros.models import Pro


def _unique_slug(*, marketplace: Marketplace, name: str) -> str:
    base = slugify(name)[:150] or "pro"
    taken = set(
        Pro.objects.filter(marketplace=marketplace, slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def pro_create(*, marketplace: Marketplace, name: str) -> Pro:
    return Pro.objects.create(marketplace=marketplace, name=name, slug=_unique_slug(marketplace=marketplace, name=name))
