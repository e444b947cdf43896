"""Classic-BPF seccomp filter for job processes, built with struct and loaded with prctl.

Defence in depth on top of dropped capabilities and namespaces: it shuts the kernel interfaces
that have a history of privilege escalation or that would let a job leave its namespaces.
python3-seccomp is not installable in the sandbox venv, hence the hand-built program.
"""
import ctypes
import errno
import struct

from . import linux

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

# offsets in struct seccomp_data
_NR = 0
_ARCH = 4
_ARG0_LOW = 16

SYSCALL_CLONE = 56
SYSCALL_CLONE3 = 435
SYSCALL_PERSONALITY = 135
SYSCALL_SOCKET = 41
SYSCALL_SOCKETPAIR = 53
AF_UNIX = 1
# personality(0xffffffff) only reads the persona (glibc and torch do) and personality(0) sets the
# default one: anything else (e.g. READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE) is refused
HARMLESS_PERSONAS = (0, 0xFFFFFFFF)

# x86_64 numbers of the refused system calls
REFUSED_SYSCALLS = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "mount_setattr": 442,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "unshare": 272, "setns": 308,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "init_module": 175, "finit_module": 313, "delete_module": 176,
    "kexec_load": 246, "kexec_file_load": 320, "reboot": 169,
    "open_by_handle_at": 304,
    "modify_ldt": 154, "pidfd_getfd": 438, "kcmp": 312, "process_madvise": 440, "uselib": 134,
    "syslog": 103, "fanotify_init": 300,
}

# clone() flags that would create namespaces (low 32 bits of the first argument; the low byte is
# the exit signal, so CLONE_NEWTIME cannot be expressed through clone() at all)
CLONE_NAMESPACE_FLAGS = (linux.CLONE_NEWNS | linux.CLONE_NEWCGROUP | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC
                         | linux.CLONE_NEWUSER | linux.CLONE_NEWPID | linux.CLONE_NEWNET)


def _stmt(code, k):
    return struct.pack("=HBBI", code, 0, 0, k)


def _jump(code, k, jump_true, jump_false):
    return struct.pack("=HBBI", code, jump_true, jump_false, k)


def _errno(number):
    return _stmt(_RET_K, SECCOMP_RET_ERRNO | number)


def _argument_rule(syscall, allowed_values, refusal):
    """For `syscall`: allow it when its first argument (low 32 bits) is one of `allowed_values`,
    otherwise return `refusal`. Other system calls skip the rule with the number still loaded."""
    checks = [_jump(_JEQ_K, value, len(allowed_values) - index, 0) for index, value in enumerate(allowed_values)]
    body = [_stmt(_LD_W_ABS, _ARG0_LOW), *checks, refusal, _stmt(_RET_K, SECCOMP_RET_ALLOW)]
    return [_jump(_JEQ_K, syscall, 0, len(body)), *body]


def build_filter():
    """Return the filter program as bytes (sock_filter array)."""
    program = [
        _stmt(_LD_W_ABS, _ARCH),
        _jump(_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _stmt(_RET_K, SECCOMP_RET_KILL_PROCESS),
        _stmt(_LD_W_ABS, _NR),
        _jump(_JGE_K, X32_SYSCALL_BIT, 0, 1),
        _errno(errno.EPERM),
        # ENOSYS makes glibc fall back from clone3 to clone, whose flags we can inspect
        _jump(_JEQ_K, SYSCALL_CLONE3, 0, 1),
        _errno(errno.ENOSYS),
        _jump(_JEQ_K, SYSCALL_CLONE, 0, 4),
        _stmt(_LD_W_ABS, _ARG0_LOW),
        _jump(_JSET_K, CLONE_NAMESPACE_FLAGS, 0, 1),
        _errno(errno.EPERM),
        _stmt(_RET_K, SECCOMP_RET_ALLOW),  # also reached by a namespace-free clone
        *_argument_rule(SYSCALL_PERSONALITY, HARMLESS_PERSONAS, _errno(errno.EPERM)),
        # only unix sockets: no other network family, netlink and packet sockets included
        *_argument_rule(SYSCALL_SOCKET, (AF_UNIX,), _errno(errno.EAFNOSUPPORT)),
        *_argument_rule(SYSCALL_SOCKETPAIR, (AF_UNIX,), _errno(errno.EAFNOSUPPORT)),
    ]
    refused = sorted(REFUSED_SYSCALLS.values())
    for index, number in enumerate(refused):
        # each jump skips to the shared EPERM return placed right after the list
        program.append(_jump(_JEQ_K, number, len(refused) - index, 0))
    program.append(_stmt(_RET_K, SECCOMP_RET_ALLOW))
    program.append(_errno(errno.EPERM))
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install():
    """Load the filter into the calling (single-threaded) process; no_new_privs is set first."""
    code = build_filter()
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    linux.set_no_new_privs()
    linux.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog))
