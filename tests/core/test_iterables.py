import pytest

from zichuan_heating.iterables import chunked


def test_a_list_comes_in_chunks_with_a_short_last_one():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


@pytest.mark.django_db
def test_a_queryset_is_sliced_chunk_by_chunk(django_assert_num_queries, programme):
    from tasks.models import Town

    towns = Town.objects.order_by("code")
    codes = list(towns.values_list("code", flat=True))
    # One query a chunk, and one more that finds the end.
    with django_assert_num_queries(len(codes) // 4 + 1 + (1 if len(codes) % 4 else 0)):
        chunks = list(chunked(towns, 4))
    assert [t.code for chunk in chunks for t in chunk] == codes
    assert all(len(chunk) == 4 for chunk in chunks[:-1])
