"""Iterating in chunks: the exports write large sets a few thousand rows at a time."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter); a queryset is sliced, so that its
    prefetches run once per chunk rather than once for the whole set."""
    if hasattr(items, "_chain"):  # a QuerySet
        start = 0
        while chunk := list(items[start : start + size]):
            yield chunk
            start += size
        return
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
