"""File-system helpers shared by the commands that write files."""

import os

__all__ = ["default_file_mode"]


def default_file_mode():
    """Return the permissions a new file gets under the current umask (often 0644).

    Files written through :func:`tempfile.mkstemp` start as 0600; they are given
    these permissions before they are renamed into place.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
