"""Values cached per fitted model do not keep the model alive."""

import gc

from irpredict._cache import ObjectCache


class _Model:
    pass


def test_a_cached_object_is_freed_and_its_entry_dropped():
    import weakref

    cache, model = ObjectCache(), _Model()
    calls = []
    assert cache.get(model, lambda: calls.append(1) or "levels") == "levels"
    assert cache.get(model, lambda: calls.append(1) or "again") == "levels"
    assert len(calls) == 1
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
    assert len(cache) == 0


def test_an_invalid_value_is_recomputed():
    cache, model = ObjectCache(), _Model()
    assert cache.get(model, lambda: ["a"]) == ["a"]
    assert cache.get(model, lambda: ["b"], valid=lambda value: value == ["b"]) == ["b"]
    assert len(cache) == 1
