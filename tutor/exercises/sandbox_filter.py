"""A check's child process may not signal, trace or write into any other process.

The child that runs a learner's code (:mod:`.sandbox`) runs as the same user as the kernel
that forked it, so without this it could ``os.kill(os.getppid(), signal.SIGSTOP)`` and
freeze the learner's kernel for good (nothing would ever send ``SIGCONT``), or
``os.kill(-1, 9)`` every process of that user: on a hub, the other learners' kernels too.

Linux's **seccomp** lets a process give up system calls for itself and every process it
will start, with no privilege needed. :func:`forbid_signals` installs a small filter (a
classic BPF program, checked by the kernel on each system call) that answers ``EPERM`` to
the calls that reach another process:

* ``kill``, ``tkill``, ``tgkill``, ``rt_sigqueueinfo``, ``rt_tgsigqueueinfo``,
  ``pidfd_send_signal``: sending a signal (``os.kill``, ``os.killpg``, ``signal.raise_signal``);
* ``ptrace``: stopping and steering another process;
* ``process_vm_writev``: writing into another process's memory.

Signals the kernel itself sends still arrive (the checker's own time limit is a timer, and
the parent's ``SIGKILL`` always ends the child). The filter knows the numbers of these
calls on x86-64 and 64-bit ARM; on other machines it is not installed and the child keeps
the abilities of its user.
"""

import ctypes
import ctypes.util
import errno
import platform
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
X32_SYSCALL_BIT = 0x40000000

# The machine's AUDIT_ARCH value and its numbers for the calls refused (in the order of the
# module's docstring: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo,
# pidfd_send_signal, ptrace, process_vm_writev).
SYSTEM_CALLS = {
    "x86_64": (0xC000003E, (62, 200, 234, 129, 297, 424, 101, 311)),
    "aarch64": (0xC00000B7, (129, 130, 131, 138, 240, 424, 117, 271)),
}

# Classic BPF instructions: (code, jump if true, jump if false, constant).
LOAD_WORD = 0x20            # BPF_LD | BPF_W | BPF_ABS: load 32 bits of seccomp_data
JUMP_IF_EQUAL = 0x15        # BPF_JMP | BPF_JEQ | BPF_K
JUMP_IF_AT_LEAST = 0x35     # BPF_JMP | BPF_JGE | BPF_K
RETURN = 0x06               # BPF_RET | BPF_K
NUMBER, ARCH = 0, 4         # offsets in seccomp_data of the call's number and the ABI


def filter_program(machine=None):
    """The filter as a list of BPF instructions for ``machine`` (None: not supported)."""
    known = SYSTEM_CALLS.get(machine or platform.machine())
    if known is None:
        return None
    arch, refused = known
    allow, deny = (RETURN, 0, 0, SECCOMP_RET_ALLOW), (RETURN, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM)
    program = [(LOAD_WORD, 0, 0, ARCH),
               (JUMP_IF_EQUAL, 1, 0, arch),          # another ABI (32-bit calls): let it be
               allow,
               (LOAD_WORD, 0, 0, NUMBER)]
    if arch == SYSTEM_CALLS["x86_64"][0]:            # x32 calls: numbers with this bit set
        program.append((JUMP_IF_AT_LEAST, len(refused) + 1, 0, X32_SYSCALL_BIT))
    for position, number in enumerate(refused):      # jump to `deny` at the end on a match
        program.append((JUMP_IF_EQUAL, len(refused) - position, 0, number))
    return program + [allow, deny]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _prepare():
    """Everything the child will need, made in the parent: loading a library in a child
    forked from a process with threads could wait for ever on a lock another thread held."""
    if not sys.platform.startswith("linux"):
        return None
    program = filter_program()
    if program is None:
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None
    packed = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(packed, len(packed))
    fprog = _Program(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    return libc.prctl, buffer, fprog


_PREPARED = None


def prepare():
    """Make the filter ready; call it in the parent, before forking."""
    global _PREPARED
    if _PREPARED is None:
        _PREPARED = _prepare() or False
    return bool(_PREPARED)


def forbid_signals():
    """In the child: install the filter for this process and all it starts. True if done."""
    if not _PREPARED:
        return False
    prctl, _buffer, fprog = _PREPARED
    if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
