"""Values computed once per live object (a fitted model), dropped when the object is."""

import weakref

__all__ = ["ObjectCache"]


class ObjectCache:
    """A cache keyed by object identity that keeps no object alive.

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> cache, model = ObjectCache(), Model()
    >>> cache.get(model, lambda: 42)
    42
    >>> cache.get(model, lambda: 0)
    42
    """

    def __init__(self):
        self._entries = {}

    def get(self, obj, compute, *, valid=None):
        """The value cached for ``obj``, computed by ``compute()`` when absent.

        Parameters
        ----------
        obj : object
            Any weak-referenceable object.
        compute : callable
            Called without arguments to compute the value.
        valid : callable or None, default=None
            ``valid(value)`` false recomputes a cached value.
        """
        key = id(obj)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is obj and (valid is None or valid(entry[1])):
            return entry[1]
        value = compute()
        if entry is None or entry[0]() is not obj:
            weakref.finalize(obj, self._entries.pop, key, None)
        self._entries[key] = (weakref.ref(obj), value)
        return value

    def __len__(self):
        return len(self._entries)
