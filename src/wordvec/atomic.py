"""Atomic writes: a reader sees the old file or the new one, never half of either.

Files are written under a temporary name in the same folder, flushed, fsynced and renamed.
A model folder is written whole beside the old one and swapped in with one
``renameat2(RENAME_EXCHANGE)`` where the kernel has it (Linux), else two renames.

Temporary names carry the writer's process id (``.NAME.PID.XXXX.tmp``), so leftovers of a
process that was killed mid-save are recognised and removed by the next save of the same
path; the previous file or folder is never touched until the new one is complete.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import SaveInterrupted, WordvecError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


def describe_os_error(path, e: OSError) -> str:
    # NumPy's ``tofile`` (behind ``np.save`` to a path) reports a full disk as a short
    # write without errno: "8192 requested and 4096 written".
    if e.errno in _NO_SPACE or (e.errno is None and _SHORT_WRITE.search(str(e))):
        return f"{path}: no space left on device; the previous file is unchanged"
    if e.errno in _DENIED:
        return f"{path}: permission denied; the previous file is unchanged"
    return f"{path}: write failed ({e.strerror or e}); the previous file is unchanged"


def _interrupted(path: Path, existed: bool, what: str) -> SaveInterrupted:
    if existed:
        return SaveInterrupted(f"interrupted while saving {path}: the save was abandoned; "
                               f"{path} still holds the previous {what}, unchanged")
    return SaveInterrupted(f"interrupted while saving {path}: the save was abandoned; nothing was written there")


def write_npy(path, arr) -> None:
    """``np.save(path, arr)`` (the same bytes) through Python's file object, so a full disk
    is an ``OSError`` with its errno (ENOSPC), not NumPy's "N requested and M written"."""
    import numpy as np

    arr = np.ascontiguousarray(arr)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, np.lib.format.header_data_from_array_1_0(arr))
        flat = arr.reshape(-1).view(np.uint8)
        step = 1 << 24
        for i in range(0, len(flat), step):
            f.write(flat[i:i + step].data)


def _umask() -> int:
    # mkstemp/mkdtemp create 0600/0700; a saved model should get the usual permissions.
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target(path) -> Path:
    """The path to replace: a symlink is followed, so the link keeps pointing at the save."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    return path


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours (EPERM)
        return True
    return True


def remove_stale_temporaries(path) -> None:
    """Clean up after writers of ``path`` that died mid-save: their ``.NAME.PID.*.tmp``
    files and folders are incomplete saves (or an old folder already swapped out) and are
    deleted; an ``.old`` folder (moved aside where no atomic exchange exists) is moved back
    if ``path`` itself is missing, else deleted."""
    path = Path(path)
    pattern = re.compile(r"\." + re.escape(path.name) + r"\.(\d+)\.[a-z0-9_]{8}\.(tmp|old)\Z")
    try:
        entries = list(os.scandir(_parent(path)))
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
            continue
        if m.group(2) == "old" and not os.path.lexists(path):
            with contextlib.suppress(OSError):
                os.rename(entry.path, path)
                continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


SCRATCH_LOCK = "lock"
_SCRATCH = re.compile(r"wordvec-(\d+)-[a-z0-9_]{8}\Z")


def _scratch_abandoned(entry) -> bool:
    """A scratch folder whose owner is gone: its lock file is held by nobody (the owner
    holds it while it lives, also from another PID namespace), or, while it has none yet,
    its process id is dead."""
    m = _SCRATCH.match(entry.name)
    if not m or not entry.is_dir(follow_symlinks=False) or int(m.group(1)) == os.getpid():
        return False
    try:
        fd = os.open(os.path.join(entry.path, SCRATCH_LOCK), os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return not _pid_alive(int(m.group(1)))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: its owner is alive
    finally:
        os.close(fd)
    return True


def remove_stale_scratch(where=None) -> None:
    """Remove the scratch folders (``wordvec-PID-XXXXXXXX``) of processes that died
    without cleaning up (SIGKILL, a crash, the power cut): each holds about 4 bytes per
    corpus token."""
    where = where or tempfile.gettempdir()
    try:
        entries = list(os.scandir(where))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("wordvec-") and _scratch_abandoned(entry):
            shutil.rmtree(entry.path, ignore_errors=True)


def make_scratch() -> tuple[Path, int]:
    """A new scratch folder in ``$TMPDIR`` named after this process, and the descriptor of
    its lock file, held (``flock``) while the folder is in use. Leftovers of dead
    processes are removed first."""
    remove_stale_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=f"wordvec-{os.getpid()}-"))
    fd = os.open(scratch / SCRATCH_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return scratch, fd


def remove_scratch(scratch, fd: int) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def output_lock(path):
    """Hold ``.NAME.lock`` beside the output ``path`` (``flock``) for a whole command, so
    two ``wordvec train -o SAME`` at once cannot both train and both report success (the
    later save would silently replace the earlier). The second is refused at once,
    naming the first's process id. The kernel drops the lock of a killed process; the
    file is removed on release."""
    path = _target(path)
    parent = _parent(path)
    lock_path = parent / f".{path.name}.lock"
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            try:
                pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            finally:
                os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise WordvecError(f"{path}: another wordvec process (pid {pid}) is writing this model; "
                                   "wait for it to finish or choose another output folder") from None
            raise
        try:  # the file we locked must still be the one at lock_path (a releaser may have unlinked it)
            same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


def _prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def check_writable(path, folder: bool) -> None:
    """Before any work: can ``path`` (a folder, else a file) be saved? Its type, and a real
    probe of the folder it will be written in: a temporary folder is made there and removed
    (``os.access`` says yes to root on read-only places such as /sys). Saving later
    (``atomic_file``/``atomic_directory``) does the same, but only after the hours of work."""
    path = _target(path)
    if folder and path.exists() and not path.is_dir():
        raise WordvecError(f"{path}: exists and is not a folder")
    if not folder and path.is_dir():
        raise WordvecError(f"{path}: is a folder, expected a file name")
    where = _parent(path)
    while not os.path.lexists(where) and where != where.parent:  # missing folders are created
        where = where.parent
    if not where.is_dir():
        raise WordvecError(f"{path}: cannot be created: {where} is not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=_prefix(path), suffix=".tmp", dir=where))
    except OSError as e:
        raise WordvecError(f"{path}: cannot be written ({where}: {e.strerror or e})") from None


@contextlib.contextmanager
def atomic_file(path, mode: str = "wb"):
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically.

    If the body raises (or the disk fills up), the temporary file is removed and ``path`` is
    left as it was; OS errors become a one-line ``WordvecError`` naming ``path``."""
    path = _target(path)
    parent = _parent(path)
    if path.is_dir():
        raise WordvecError(f"{path}: is a folder, expected a file name")
    existed = os.path.lexists(path)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=_prefix(path), suffix=".tmp", dir=parent)
    except OSError as e:
        raise WordvecError(describe_os_error(path, e)) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(parent)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise WordvecError(describe_os_error(path, e)) from None
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if os.path.lexists(tmp):  # interrupted after the rename: the new file is in place
            raise
        raise _interrupted(path, existed, "file") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _renameat2_exchange():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2_exchange()
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the kernel or filesystem cannot."""
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(Path(dirpath))


@contextlib.contextmanager
def atomic_directory(path):
    """Yield a fresh temporary folder beside ``path``; on success it becomes ``path``,
    replacing any previous folder as a whole.

    Until the swap, ``path`` is untouched; if the body raises (or the disk fills up) the
    temporary folder is removed and ``path`` is left as it was."""
    path = _target(path)
    parent = _parent(path)
    if path.exists() and not path.is_dir():
        raise WordvecError(f"{path}: exists and is not a folder")
    existed = path.exists()
    swapped = False
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        tmp = Path(tempfile.mkdtemp(prefix=_prefix(path), suffix=".tmp", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())
    except OSError as e:
        raise WordvecError(describe_os_error(path, e)) from None
    try:
        yield tmp
        _fsync_tree(tmp)
        if path.exists():
            if not _exchange(tmp, path):
                # No atomic exchange here: move the old folder aside under a temporary
                # name (cleaned by the next save if we die now), then move the new one in.
                old = Path(tempfile.mkdtemp(prefix=_prefix(path), suffix=".old", dir=parent))
                os.rmdir(old)
                os.rename(path, old)
                try:
                    os.rename(tmp, path)
                except BaseException:
                    os.rename(old, path)
                    raise
                tmp = old
            # ``tmp`` now holds the old folder.
            swapped = True
            _fsync_dir(parent)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.rename(tmp, path)
            swapped = True
            _fsync_dir(parent)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WordvecError(describe_os_error(path, e)) from None
    except KeyboardInterrupt:
        if swapped:  # the new folder is in place; only the old one's removal was cut short
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(tmp, ignore_errors=True)
        raise _interrupted(path, existed, "model" if (path / "config.json").exists() else "folder") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
