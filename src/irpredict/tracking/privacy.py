"""Pseudonymous patient identifiers for logged artifacts.

Out-of-fold predictions are logged one row per patient. Unless the caller
asks for raw identifiers (``log_patient_ids=True``), ``patient_id`` is
replaced by ``HMAC-SHA256(salt, patient_id)`` truncated to 16 hex digits.

The salt is 32 random bytes drawn once per study run and **never logged or
stored**: within one run the same patient always gets the same hash (so the
child runs' artifacts can be joined), but nobody, including whoever holds
the MLflow store, can reverse a hash by hashing a list of candidate ids
(a dictionary attack), because the key is gone when the run ends. The
flip side: hashes from two different runs cannot be matched either.
"""

import hashlib
import hmac
import secrets

__all__ = ["new_salt", "hash_ids", "pseudonymise"]

#: Hex digits kept from each HMAC (64 bits: collisions are negligible for cohorts).
HASH_HEX_DIGITS = 16


def new_salt():
    """Return a fresh 32-byte random key for :func:`hash_ids`.

    Returns
    -------
    bytes
    """
    return secrets.token_bytes(32)


def hash_ids(ids, salt, *, n_hex=HASH_HEX_DIGITS):
    """Replace identifiers by truncated HMAC-SHA256 digests.

    Parameters
    ----------
    ids : iterable of object
        Patient identifiers; each is converted with ``str``. Missing values
        (``None``/NaN) stay missing.
    salt : bytes
        Secret key, e.g. from :func:`new_salt`; keep it out of every log.
    n_hex : int, default=16
        Hex digits kept (4 to 64).

    Returns
    -------
    list of str
        ``"p" + digest`` per identifier, same order.

    Examples
    --------
    >>> key = bytes(32)
    >>> hash_ids(["TN-001", "TN-001", "TN-002"], key)[0] == hash_ids(["TN-001"], key)[0]
    True
    >>> "TN-001" in hash_ids(["TN-001"], key)[0]
    False
    """
    if not isinstance(salt, (bytes, bytearray)) or len(salt) < 16:
        raise ValueError(
            "salt must be at least 16 random bytes; use irpredict.tracking.new_salt()."
        )
    if not 4 <= n_hex <= 64:
        raise ValueError(f"n_hex must be between 4 and 64, got {n_hex}.")
    import pandas as pd

    out = []
    for value in ids:
        if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):  # NaN, pd.NA
            out.append(None)
            continue
        digest = hmac.new(bytes(salt), str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        out.append("p" + digest[:n_hex])
    return out


def pseudonymise(frame, salt, *, id_col="patient_id"):
    """Return a copy of ``frame`` with ``id_col`` replaced by :func:`hash_ids`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table with an identifier column (or identifier index named ``id_col``).
    salt : bytes
        Secret key (never log it).
    id_col : str, default="patient_id"
        Column holding the identifiers.

    Returns
    -------
    pandas.DataFrame
        Same shape; the identifier column holds hashes.

    Raises
    ------
    ValueError
        When ``frame`` has no column or index named ``id_col``.
    """
    out = frame.copy()
    if id_col in out.columns:
        out[id_col] = hash_ids(out[id_col].tolist(), salt)
    elif out.index.name == id_col:
        import pandas as pd

        out.index = pd.Index(hash_ids(out.index.tolist(), salt), name=id_col)
    else:  # returning the frame as it is would leak whatever ids it holds
        raise ValueError(f"the table has no identifier column or index named {id_col!r} "
                         f"(columns: {list(out.columns)[:8]}); name the id column with id_col")
    return out
