"""Files with personal data (the database, the secret key) readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def private_folder(folder: Path, *, tighten: bool = False) -> None:
    """Create ``folder`` readable by its owner only (0700). An existing folder is tightened to
    that only with ``tighten`` (b12check's own data folder) and only when it is ours: a
    database URL may point into a folder that holds other things too, like the current one."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode is filtered by the umask
        return
    info = folder.stat()
    if tighten and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing (before SQLite would create it with the
    umask's mode), and tighten an existing one of ours to 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(0o600)
