"""Thin ctypes wrappers for the Linux calls Python 3.11's os module lacks.

Used only inside the sandbox (fork server and job processes); no trusted state here.
"""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18

PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_SYS_CAPSET = 126
MADV_COLLAPSE = 25  # Linux 6.1
HUGE_PAGE_BYTES = 2 << 20
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _check(ret, what):
    if ret == -1:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return ret


def unshare(flags):
    _check(libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype, flags=0, data=None):
    _check(libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                      ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    return _check(libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                             ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), f"prctl({option})")


def drop_all_capabilities():
    """Empty the bounding, ambient, effective, permitted and inheritable sets (namespace-root caps included)."""
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last_cap + 1):
        if prctl(PR_CAPBSET_READ, cap):  # bubblewrap may have emptied the bounding set already
            prctl(PR_CAPBSET_DROP, cap)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two empty {effective, permitted, inheritable} words
    _check(libc.syscall(ctypes.c_long(_SYS_CAPSET), header, data), "capset")


def set_no_new_privs():
    prctl(PR_SET_NO_NEW_PRIVS, 1)



def collapse_anonymous_memory_into_huge_pages() -> int:
    """Back the process's private anonymous memory (heap and mmaps) with 2 MB pages where the
    kernel can; returns the bytes collapsed. A fork copies, and an exit frees, one entry per
    huge page instead of 512, so each fork of a big warm process is several times cheaper; a
    child's write still copies only the 4 KB it touches. Best effort: kernels before 6.1, or no
    free huge page, leave the memory as it was."""
    collapsed = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        start, end = (int(address, 16) for address in fields[0].split("-"))
        name = fields[5] if len(fields) > 5 else ""
        if name not in ("", "[heap]") or not fields[1].startswith("rw"):
            continue
        first = -(-start // HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES
        last = end // HUGE_PAGE_BYTES * HUGE_PAGE_BYTES
        if last > first and libc.madvise(first, last - first, MADV_COLLAPSE) == 0:
            collapsed += last - first
    return collapsed
