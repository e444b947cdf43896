"""What runs inside the job process once it is confined: read the job, run `main`, send RESULT back.

Everything here is under the student's control once `main` starts (it can patch this module,
the encoder, the result pipe); the trusted side therefore believes nothing but a well-formed
frame, and even that only as data.
"""
import builtins
import linecache
import os
import random
import sys
import traceback
import types

from . import wire

MAIN_FILENAME = "<main>"
WORK_DIR = "/work"
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_INPUT_LIMIT = 1 << 40  # the input frame was written by the trusted supervisor


def run(input_fd, result_fd):
    """Run the job described by the frame on `input_fd`; never returns."""
    payload = wire.decode(_read_whole(input_fd), _INPUT_LIMIT, max_memory_bytes=_INPUT_LIMIT)
    os.close(input_fd)
    _write_files(payload["files"])
    _reseed_random_generators()
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update(__builtins__=builtins, INPUTS=payload["inputs"])
    sys.modules["__main__"] = main_module
    sys.argv = [MAIN_FILENAME]
    try:
        code = compile(payload["main"], MAIN_FILENAME, "exec")
        linecache.cache[MAIN_FILENAME] = (len(payload["main"]), None,
                                          payload["main"].splitlines(True), MAIN_FILENAME)
        exec(code, main_module.__dict__)
    except SystemExit as exc:
        _exit(_exit_code(exc))
    except BaseException as exc:  # the student's failure, reported as data
        _send(result_fd, {"error": format_student_traceback(exc)})
        _exit(0)
    try:
        frame = wire.encode({"result": main_module.__dict__.get("RESULT")})
    except (wire.EncodeError, RecursionError) as exc:
        frame = wire.encode({"error": f"RESULT cannot be returned: {exc}"})
    _write_all(result_fd, frame)
    _exit(0)


def format_student_traceback(exc):
    """The traceback without the frames of this runtime (the student's and main's frames stay)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_RUNTIME_DIR):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _read_whole(fd):
    return os.pread(fd, os.fstat(fd).st_size, 0)


def _write_files(files):
    os.chdir(WORK_DIR)
    sys.path.insert(0, WORK_DIR)
    for name, text in files.items():
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        with open(name, "w", encoding="utf-8") as handle:
            handle.write(text)


def _reseed_random_generators():
    # every job is forked from the same warm process: without this they would share one RNG state
    random.seed()
    for module_name in ("torch", "numpy"):
        module = sys.modules.get(module_name)
        if module is not None:
            module.random.seed()


def _exit_code(exc):
    if exc.code is None:
        return 0
    if type(exc.code) is int:
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _send(result_fd, value):
    _write_all(result_fd, wire.encode(value))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _exit(code):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or replaced stream must not stop the exit
            pass
    os._exit(code)
