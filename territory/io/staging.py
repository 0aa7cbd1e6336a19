"""An output folder is one unit: built next to its final name, then swapped in whole.

``territory plan``, ``whatif`` and ``run`` write into ``.<name>.territory-<host>-<pid>-<random>.tmp``
beside the output folder and, when every file is complete and fsynced, swap it with the
output folder in one step (Linux ``renameat2(RENAME_EXCHANGE)``), then delete the old one.
So whatever happens (SIGKILL, a full disk, two runs into the same folder) the folder holds
either the complete earlier plan or the complete new one, never a mix: files of an earlier
run (``icp.json``, ``sweep.csv``, ``books/``, scenario folders) do not survive into a new plan.

Where the file system cannot exchange two folders (not Linux, some network file systems)
the swap is two renames; a kill between them leaves the earlier plan beside the folder
under a ``-old.tmp`` name, and the next run into the same folder puts it back first.

Only our own folders are replaced: an empty folder, or one holding nothing but what
territory writes. Anything else stops the run before it starts (``OutputError``, exit 2).
A killed run leaves its ``.tmp`` folder behind; the next run into the same folder removes it.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import functools
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import OutputError
from ..stops import check_stopped
from .writing import first_file_above, output_error

_T = TypeVar("_T")

# What territory writes into a plan folder (besides names listed in summary.json's "files").
PLAN_FILES = (
    "assignments.csv",
    "owner_changes.csv",
    "summary.json",
    "icp.json",
    "sweep.csv",
    "scenario.json",
)
PLAN_PATTERNS = ("owner_changes_*.csv", "model*.lp")
BOOK_PATTERNS = ("rep-*.pdf", "manager-*.pdf", "plan-summary.pdf", "rep-*.xlsx", "manager-*.xlsx")
REPORT_FILES = ("report.html",)  # the review page (territory report), ours but never protected
WHATIF_FILES = ("compare.csv",)
CAPACITY_FILES = ("capacity.csv", "capacity.json")  # territory capacity
KEEP_OUT_HINT = (
    "a new plan replaces the whole folder, so territory writes only into a new or empty "
    "folder or one holding an earlier plan; choose another folder, or move those files away"
)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _is_leftover(name: str) -> bool:
    """A temporary file or folder of an interrupted territory write."""
    return name.startswith(".") and name.endswith(".tmp")


def _plan_summary(folder: Path) -> dict[str, object] | None:
    """summary.json of a territory plan folder, or None when it is not one."""
    from .safe_read import UnreadableFile, read_json

    try:
        data = read_json(folder / "summary.json", what="plan summary")
    except (OSError, UnreadableFile):
        return None
    if isinstance(data, dict) and str(data.get("format", "")).startswith("territory-plan/"):
        return data
    return None


def _only_books(folder: Path) -> bool:
    entries = list(os.scandir(folder))
    return bool(entries) and all(
        _is_leftover(e.name) or (e.is_file(follow_symlinks=False) and _matches(e.name, BOOK_PATTERNS))
        for e in entries
    )


def _all_listed(sub: Path, folder: Path, listed: set[str]) -> bool:
    """Every file under ``sub`` is one summary.json lists (e.g. an LP export in a subfolder)."""
    found = False
    for root, dirs, files in os.walk(sub):
        if any(Path(root, d).is_symlink() for d in dirs):
            return False
        for f in files:
            if Path(root, f).relative_to(folder).as_posix() not in listed:
                return False
            found = True
    return found


def foreign_entries(folder: Path, _depth: int = 0) -> list[str]:
    """What in ``folder`` no territory run wrote, as paths relative to it (empty: ours).

    Ours: an earlier plan (summary.json of format territory-plan/*, the files a plan writes,
    book PDFs and a folder of them), a what-if folder (plan folders and compare.csv), and
    leftover ``.*.tmp`` files. A symbolic link is never ours.
    """
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    summary = _plan_summary(folder) if any(e.name == "summary.json" for e in entries) else None
    files = summary.get("files") if summary else None
    listed = set(files) if isinstance(files, dict) else set()
    plan_dirs = []
    foreign: list[str] = []
    for e in entries:
        if _is_leftover(e.name):
            continue
        if e.is_symlink():
            foreign.append(e.name)
        elif e.is_file():
            ours = summary is not None and (
                e.name in PLAN_FILES
                or e.name in listed
                or _matches(e.name, PLAN_PATTERNS)
                or e.name in REPORT_FILES
            )
            if (
                not ours
                and not _matches(e.name, BOOK_PATTERNS)
                and e.name not in WHATIF_FILES + CAPACITY_FILES
            ):
                foreign.append(e.name)
        elif e.is_dir():
            sub = Path(e.path)
            if _only_books(sub) or (summary is not None and _all_listed(sub, folder, listed)):
                continue
            if _depth == 0 and (sub / "summary.json").is_file():
                inner = foreign_entries(sub, _depth + 1)
                foreign += [f"{e.name}/{x}" for x in inner]
                plan_dirs.append(e.name)
            else:
                foreign.append(e.name + "/")
        else:
            foreign.append(e.name)
    if summary is None and not plan_dirs:  # compare.csv alone is not a what-if folder
        foreign += [n for n in WHATIF_FILES if (folder / n).is_file()]
    if not _is_capacity(folder):  # capacity.csv is ours beside its capacity.json only
        foreign += [n for n in CAPACITY_FILES if (folder / n).is_file()]
    return sorted(set(foreign))


def _is_capacity(folder: Path) -> bool:
    """A folder ``territory capacity`` wrote: capacity.json of format territory-capacity/*."""
    from .safe_read import UnreadableFile, read_json

    if not (folder / "capacity.json").is_file():
        return False
    try:
        data = read_json(folder / "capacity.json", what="capacity summary")
    except (OSError, UnreadableFile):
        return False
    return isinstance(data, dict) and str(data.get("format", "")).startswith("territory-capacity/")


def _count_books(folder: Path) -> int:
    n = 0
    for _root, _dirs, files in os.walk(folder):
        n += sum(1 for f in files if _matches(f, BOOK_PATTERNS))
    return n


def _access_problem(folder: Path) -> str | None:
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "the file system is read-only"
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        pass
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied (cannot change {folder})"
    return None


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _checked(fn: Callable[..., _T]) -> Callable[..., _T]:
    """An ``OSError`` met while checking a path (a name too long, a loop of links) is an
    ``OutputError`` naming the path, like one met while writing."""

    @functools.wraps(fn)
    def wrapper(path: str | Path, *args: Any, **kwargs: Any) -> _T:
        try:
            return fn(path, *args, **kwargs)
        except OSError as e:
            raise output_error(path, e) from None

    return wrapper


@_checked
def check_output_folder(out: str | Path, protect: Iterable[str | Path | None] = ()) -> Path:
    """Check, before any work, that ``out`` can become (or be replaced by) a territory folder.

    Returns the real path (symbolic links resolved: a link to a folder writes into that folder).
    Raises ``OutputError`` saying "cannot write OUT: reason" when a file is in the way, the
    folder or file system is read-only, ``out`` holds files territory did not write, or one of
    ``protect`` (the run's input files) lies inside it.
    """
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise OutputError(
            f"cannot write {out}: it is a symbolic link to {os.readlink(out)}, which does not exist"
        )
    real = Path(os.path.realpath(out))
    for p in protect:
        if p is None or not str(p) or "://" in str(p):  # database URLs are not files
            continue
        if _inside(Path(os.path.realpath(p)), real):
            raise OutputError(
                f"cannot write {out}: the input {p} is inside it, and a new plan replaces the whole "
                "folder\n  hint: write the plan to another folder"
            )
    try:
        here = Path(os.getcwd())
    except FileNotFoundError:  # the current folder was deleted: nothing to protect
        here = None
    if here is not None and _inside(here, real):
        # Swapping the folder a shell sits in leaves that shell in a deleted folder: `ls`
        # shows nothing, and relative paths stop working until `cd` again.
        where = "the current folder" if here == real else f"a folder above the current folder ({here})"
        raise OutputError(
            f"cannot write {out}: it is {where}, and a new plan replaces the whole folder\n"
            f"  hint: name a folder inside it, e.g. {Path(out) / 'plan-out'}"
        )
    if real.exists():
        if not real.is_dir():
            raise OutputError(
                f"cannot write {out}: it is a file, not a folder\n  hint: name a folder for the plan, e.g. plan-out"
            )
        if os.path.ismount(real):
            raise OutputError(
                f"cannot write {out}: it is a mount point, and a new plan replaces the whole folder"
                f"\n  hint: name a folder inside it, e.g. {out / 'plan'}"
            )
        try:
            foreign = foreign_entries(real)
        except OSError as e:
            raise output_error(out, e) from None
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(
                f"cannot write {out}: it holds files that are not part of a territory plan: {shown}"
                f"\n  hint: {KEEP_OUT_HINT}"
            )
        for folder in (real, real.parent):
            problem = _access_problem(folder)
            if problem:
                hint = (
                    "\n  hint: a new plan is built beside the folder and swapped in whole, so the "
                    "folder that holds it must be writable too; write the plan elsewhere"
                    if folder == real.parent
                    else ""
                )
                raise OutputError(f"cannot write {out}: {problem}{hint}")
        return real
    blocker = first_file_above(real)
    if blocker is not None:
        raise OutputError(f"cannot write {out}: {blocker} is a file, not a folder")
    existing = next(p for p in real.parents if p.exists())
    problem = _access_problem(existing)
    if problem:
        raise OutputError(f"cannot write {out}: {problem}")
    return real


@_checked
def check_output_file(
    path: str | Path,
    protect: Iterable[str | Path | None] = (),
    *,
    example: str = "out.csv",
    out_folder: str | Path | None = None,
) -> None:
    """Check, before any work, that the file ``path`` can be written (atomically).

    Refuses a folder in the way, a file where a folder should be, a device or pipe, a folder
    without write permission, one of ``protect`` (the inputs), a file of an existing plan
    folder, and ``out_folder`` (the run's output folder) or a folder above it.
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"cannot write {p}: it is a folder\n  hint: name a file, e.g. {p / example}")
    if p.is_symlink():
        raise OutputError(
            f"cannot write {p}: it is a symbolic link (to {os.readlink(p)})\n"
            "  hint: name the file itself; territory does not write through links"
        )
    if os.path.lexists(p) and not stat.S_ISREG(os.stat(p).st_mode):
        raise OutputError(f"cannot write {p}: it is not a regular file (a device, a pipe or a socket)")
    real = Path(os.path.realpath(p))
    if out_folder is not None:
        folder = Path(os.path.realpath(out_folder))
        if _inside(folder, real):
            raise OutputError(
                f"cannot write {p}: it is the output folder {out_folder}, or a folder above it\n"
                f"  hint: name a file, e.g. {Path(out_folder) / example}"
            )
        if real.parent == folder and (real.name in PLAN_FILES or _matches(real.name, BOOK_PATTERNS)):
            raise OutputError(
                f"cannot write {p}: the plan writes a file of that name\n"
                f"  hint: name another file, e.g. {Path(out_folder) / example}"
            )
    for q in protect:
        if q is not None and str(q) and "://" not in str(q) and Path(os.path.realpath(q)) == real:
            raise OutputError(
                f"cannot write {p}: it is the input {q}, which territory never changes\n"
                f"  hint: name another file, e.g. {p.parent / example}"
            )
    blocker = first_file_above(real.parent)
    if blocker is not None:
        raise OutputError(f"cannot write {p}: {blocker} is a file, not a folder")
    summary = _plan_summary(real.parent) if (real.parent / "summary.json").is_file() else None
    if summary is not None:
        files = summary.get("files")
        if real.name in PLAN_FILES or (isinstance(files, dict) and real.name in files):
            raise OutputError(
                f"cannot write {p}: it is part of the plan in {p.parent}\n  hint: name another file, "
                f"e.g. {p.parent.parent / example}"
            )
    existing = next(q for q in [real.parent, *real.parent.parents] if q.exists())
    problem = _access_problem(existing)
    if problem:
        raise OutputError(f"cannot write {p}: {problem}")


@_checked
def check_folder_writable(path: str | Path) -> None:
    """Check, before any work, that files can be added to the folder ``path`` (made if needed).

    For folders territory adds files to without replacing them, such as the books folder.
    """
    p = Path(path)
    real = Path(os.path.realpath(p))
    if real.exists() and not real.is_dir():
        raise OutputError(f"cannot write {p}: it is a file, not a folder")
    blocker = first_file_above(real)
    if blocker is not None:
        raise OutputError(f"cannot write {p}: {blocker} is a file, not a folder")
    existing = next(q for q in [real, *real.parents] if q.exists())
    problem = _access_problem(existing)
    if problem:
        raise OutputError(f"cannot write {p}: {problem}")


# --------------------------------------------------------------------------- renames

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def _renameat2_fn() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2_fn()


class _Unsupported(Exception):
    """This system or file system cannot do the atomic rename asked for."""


def _renameat2(src: Path, dst: Path, flags: int) -> None:
    if _RENAMEAT2 is None:
        raise _Unsupported
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) != 0:
        code = ctypes.get_errno()
        if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise _Unsupported
        raise OSError(code, os.strerror(code), str(src), None, str(dst))


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


def _pause(point: str) -> None:
    """Test-only hook (tests/test_atomic.py): with TERRITORY_TEST_PAUSE=<point> the process
    stops itself here, so a test can kill it, or let it go on (SIGCONT) after another run."""
    if os.environ.get("TERRITORY_TEST_PAUSE") == point:
        os.write(2, f"paused at {point}\n".encode())
        os.kill(os.getpid(), signal.SIGSTOP)


# --------------------------------------------------------------------------- staging


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", socket.gethostname())[:24] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tidy_leftovers(real: Path) -> None:
    """Put back a plan a killed two-rename swap left aside; delete stages of dead runs."""
    prefix = f".{real.name}.territory-{_host()}-"
    try:
        names = os.listdir(real.parent)
    except OSError:
        return
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]+(-old)?\.tmp$")
    for name in names:
        m = pattern.match(name)
        if not m or _alive(int(m.group(1))):
            continue
        path = real.parent / name
        if m.group(2) and not os.path.lexists(real):
            try:
                os.rename(path, real)
                continue
            except OSError:
                pass
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class StagedFolder:
    """A new output folder being built at ``path``, to replace ``out`` when complete."""

    out: Path
    real: Path
    path: Path
    replaced: bool = False
    books_removed: int = 0
    created: list[Path] = field(default_factory=list)

    def map(self, p: str | Path | None) -> Path | None:
        """Where a path the user gave inside ``out`` goes in the stage (None: it is outside)."""
        if p is None:
            return None
        rp = Path(os.path.realpath(p))
        if not _inside(rp, self.real):
            return None
        return self.path / rp.relative_to(self.real)

    def _commit(self) -> None:
        _fsync_dir(self.path)
        _pause("staged")
        check_stopped()  # a stop lost in a finaliser still stops the swap
        for _ in range(20):
            if os.path.lexists(self.real):
                if self.real.is_symlink() or not self.real.is_dir():
                    raise OutputError(f"cannot write {self.out}: a file appeared there while planning")
                foreign = foreign_entries(self.real)
                if foreign:
                    raise OutputError(
                        f"cannot write {self.out}: files that are not part of a territory plan appeared "
                        f"there while planning: {', '.join(foreign[:5])}\n  hint: {KEEP_OUT_HINT}"
                    )
                books = _count_books(self.real)
                try:
                    _renameat2(self.path, self.real, _RENAME_EXCHANGE)
                except FileNotFoundError:
                    continue  # removed meanwhile: try a plain rename
                except _Unsupported:
                    aside = self.path.with_name(self.path.name[: -len(".tmp")] + "-old.tmp")
                    os.rename(self.real, aside)
                    _pause("aside")
                    os.rename(self.path, self.real)
                    self.path = aside
                self.replaced, self.books_removed = True, books
                break
            try:
                try:
                    _renameat2(self.path, self.real, _RENAME_NOREPLACE)
                except _Unsupported:
                    os.rename(self.path, self.real)
            except OSError as e:
                if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue  # another run got there first: swap with its plan
                raise
            break
        else:
            raise OutputError(f"cannot write {self.out}: other runs keep replacing it; try again", 1)
        _fsync_dir(self.real.parent)
        _pause("swapped")
        if self.replaced:
            shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def staged_folder(out: str | Path, *, protect: Iterable[str | Path | None] = ()) -> Iterator[StagedFolder]:
    """Build a folder to replace ``out``; it is swapped in when the block ends without error.

    Yields a ``StagedFolder`` whose ``path`` is the (empty) folder to write into. On any
    error, or KeyboardInterrupt, the stage is deleted and ``out`` is left as it was.
    """
    out = Path(out)
    real = check_output_folder(out, protect)
    created = [p for p in [real.parent, *real.parent.parents] if not p.exists()]
    try:
        for p in reversed(created):
            p.mkdir(exist_ok=True)
        _tidy_leftovers(real)
        stage = real.parent / f".{real.name}.territory-{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        os.mkdir(stage)
        if real.is_dir():  # keep the folder's permissions (a shared, group-writable folder stays so)
            os.chmod(stage, stat.S_IMODE(real.stat().st_mode))
    except OSError as e:
        _remove_created(created)
        raise output_error(out, e) from None
    staged = StagedFolder(out, real, stage, created=created)
    try:
        yield staged
        try:
            staged._commit()
        except OSError as e:
            raise output_error(out, e) from None
    except OutputError as e:
        shutil.rmtree(staged.path, ignore_errors=True)
        _remove_created(created)
        # Name the file as the user will know it, not by the temporary folder it was in.
        raise OutputError(str(e).replace(str(stage), str(out)), e.exit_code) from None
    except BaseException:
        shutil.rmtree(staged.path, ignore_errors=True)
        _remove_created(created)
        raise


def _remove_created(created: list[Path]) -> None:
    for p in created:  # deepest first
        try:
            p.rmdir()
        except OSError:
            break
