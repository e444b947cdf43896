"""Dynamic code that would defeat an exercise's api rules, found in the student's source.

Trusted: it only parses the source (ast), it never runs it. The api rules read the names the
source uses (judging.api_check), and the harness's run-time record of the calls is made inside
the student's process, where the code can switch it off or rewrite it. So code that builds names
at run time, runs text the check never read, or reaches the interpreter's, torch's or the
harness's state is refused when an exercise has api rules: each finding fails the api check
(judging.verdicts.check_api_files) and the training checks' evidence (judging.verdicts). A rule
holds against a student who reads this file: what is refused is decided per construct, never by
guessing intent, and honest solutions of the bundled exercises use none of it.

- Code that runs text the check never read: `exec`, `eval`, `compile`, `__import__`, `breakpoint`,
  and the modules that load or run code (`importlib`, `runpy`, `code`, `codeop`, `marshal`,
  `pickle`, `torch.jit`, `torch.compile`, `torch.package`, `torch.hub`, ...), and `torch.load` other
  than called directly with `weights_only=True` (it would unpickle, and unpickling calls any
  function). Processes and threads (`subprocess`, `multiprocessing`, `threading`, `os.system`,
  `os.fork`...) run code where the recorder is not (a thread does not inherit torch's function mode).
- The interpreter's and the harness's state: `sys`, `gc`, `inspect`, `ctypes`, `builtins`,
  `types`, `__main__` (where the harness lives), `sandbox`, `globals()`, `vars()`, `locals()`,
  and the attributes that lead to globals, code, frames or every class (`__dict__`,
  `__globals__`, `__code__`, `__subclasses__`, `f_back`, `tb_frame`...).
- The recorder itself and torch's internals: `torch.overrides`, `torch.utils._python_dispatch`,
  `torch._C` (`with torch._C.DisableTorchFunction():` leaves the recorder) and any private part
  of torch (`torch._VF`, `torch._ops`, private ATen operators such as `torch.ops.aten._euclidean_dist`,
  which no forbid rule could name; `torch.ops.load_library`); public ATen operators
  (`torch.ops.aten.outer`) stay allowed, since the forbid rules cover the ATen names of an operation
  (judging.op_names).
- Hooks that run the student's code inside every optimizer step or forward call, after the harness's
  own (`optimizer.register_step_pre_hook`, `torch.optim.optimizer.register_optimizer_step_pre_hook`,
  `torch.nn.modules.module.register_module_forward_hook`...): they could change a learning rate or a
  batch after the harness recorded it. A module's own `register_forward_hook` stays allowed.
- Names built at run time: `getattr`, `hasattr`, `setattr` and `delattr` other than called
  directly with a literal name (`getattr(x, name)`, `g = getattr`).
- Rewriting a library: assigning or deleting an attribute of an imported module or of anything
  under it (`torch.allclose = ...`, `del torch.Tensor.mul`, `setattr(torch, "mul", f)`), also
  through a plain alias (`T = torch.Tensor; T.mul = f`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .api_check import keyword_violations, resolve_names
from .spec import KeywordRule

# Modules (and everything under them) that run code, reach interpreter state or the recorder.
REFUSED_MODULES = {
    "importlib": "imports modules by names built at run time",
    "runpy": "runs code the check never read",
    "code": "runs code the check never read",
    "codeop": "compiles code the check never read",
    "marshal": "loads code objects",
    "pickle": "can call any function while it loads",
    "copyreg": "registers functions that pickling calls",
    "shelve": "unpickles",
    "dill": "can call any function while it loads",
    "cloudpickle": "can call any function while it loads",
    "joblib": "unpickles",
    "numpy.load": "can unpickle, which calls any function",
    "pandas.read_pickle": "unpickles",
    "sys": "reaches the interpreter's modules and frames",
    "inspect": "reaches frames and the harness's state",
    "gc": "reaches every object of the process, the harness's included",
    "ctypes": "writes the process's memory",
    "builtins": "replaces Python's own functions",
    "types": "builds functions and code objects",
    "__main__": "is where the grading harness lives",
    "sandbox": "is the sandbox's own runtime",
    "subprocess": "runs code in another process, out of the check's sight",
    "multiprocessing": "runs code in another process, out of the check's sight",
    "concurrent": "runs code in other threads or processes, out of the check's sight",
    "threading": "runs code in threads that torch's function mode does not follow",
    "_thread": "runs code in threads that torch's function mode does not follow",
    "operator.attrgetter": "reads attributes by names built at run time",
    "operator.methodcaller": "calls methods by names built at run time",
    "os.system": "runs another program",
    "os.popen": "runs another program",
    "os.fork": "runs code in another process, out of the check's sight",
    "os.forkpty": "runs code in another process, out of the check's sight",
    "os.posix_spawn": "runs another program",
    "os.posix_spawnp": "runs another program",
    "torch.overrides": "can switch off the run-time record of the calls",
    "torch.utils._python_dispatch": "can switch off the run-time record of the calls",
    "torch.utils.cpp_extension": "compiles code the check never read",
    "torch.jit": "compiles code that runs outside the run-time record",
    "torch.compile": "compiles code that runs outside the run-time record",
    "torch.fx": "rewrites and generates code",
    "torch.package": "loads code the check never read",
    "torch.hub": "loads code the check never read",
    "torch.library": "defines and replaces operators",
    "torch.ops.load_library": "loads native code",
    "torch.export": "compiles code that runs outside the run-time record",
    "torch.cuda.jiterator": "compiles code the check never read",
}
# os.exec* and os.spawn* run another program in place of, or next to, this one.
REFUSED_PREFIXES = {"os.exec": "runs another program", "os.spawn": "runs another program"}
REFUSED_BUILTINS = {
    "exec": "runs text as code the check never read",
    "eval": "runs text as code the check never read",
    "compile": "turns text into code the check never read",
    "__import__": "imports modules by names built at run time",
    "breakpoint": "starts a debugger",
    "globals": "reaches the module's namespace as a dict",
    "vars": "reaches an object's namespace as a dict",
    "locals": "reaches a namespace as a dict",
    "__builtins__": "replaces Python's own functions",
}
DYNAMIC_ATTRIBUTES = ("getattr", "hasattr", "setattr", "delattr")
# Hooks on every optimizer's steps or every module's calls, however they are reached (a method or a function).
REFUSED_HOOKS = frozenset({
    "register_step_pre_hook", "register_step_post_hook", "register_optimizer_step_pre_hook",
    "register_optimizer_step_post_hook", "register_module_forward_hook", "register_module_forward_pre_hook",
    "register_module_full_backward_hook", "register_module_full_backward_pre_hook",
    "register_module_backward_hook",
})
HOOK_REASON = ("runs code inside every optimizer step or forward call, where it could change what the grader "
               "records of the training")
# torch.load unpickles unless told weights_only=True, and unpickling can call any function (exec included).
UNPICKLING = KeywordRule(function="torch.load", keyword="weights_only", value=True)
# Attributes that lead to namespaces, code, frames or every class of the process.
REFUSED_ATTRIBUTES = frozenset({
    "__dict__", "__globals__", "__code__", "__builtins__", "__subclasses__", "__class__", "__bases__",
    "__base__", "__mro__", "__loader__", "__spec__", "__closure__", "__func__", "__self__", "__getattribute__",
    "__setattr__", "__delattr__", "__import__", "__defaults__", "__kwdefaults__", "__traceback__",
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next", "gi_frame", "gi_code",
    "cr_frame", "cr_code", "ag_frame", "ag_code",
})


@dataclass(frozen=True)
class Tampering:
    line: int
    message: str  # what the code does, and why it defeats the api rules


def find_tampering(source: str) -> list[Tampering]:
    """What in `source` (one of the student's files) would defeat the api rules, in line order;
    [] when it cannot be parsed (the api check reports the syntax error itself)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    nodes = list(ast.walk(tree))
    found = [*_refused_names(tree, nodes), *_dynamic_attributes(nodes), *_library_writes(nodes)]
    return sorted(set(found), key=lambda finding: (finding.line, finding.message))


def _refused_names(tree: ast.Module, nodes: list[ast.AST]) -> list[Tampering]:
    resolver = resolve_names(tree)
    found = [Tampering(line, f"{what}: without it torch.load unpickles, which can call any function")
             for line, what in keyword_violations(UNPICKLING, resolver)]
    for use in resolver.uses:
        parts = use.name.split(".")
        if parts[-1] in REFUSED_HOOKS:
            shown = f".{parts[-1]}" if use.method else use.name
            found.append(Tampering(use.line, f"uses `{shown}`, which {HOOK_REASON}"))
            continue
        if use.method:
            if parts[-1] in REFUSED_ATTRIBUTES:
                found.append(Tampering(use.line, f"reads `.{parts[-1]}`, which reaches the interpreter's state"))
            continue
        reasons = _module_reasons(use.name)
        private = any(part.startswith("_") and not part.endswith("__") for part in parts[1:])
        if not reasons and parts[0] == "torch" and private:
            reasons = ["is a private part of torch that can reach past the run-time record"]
        found += [Tampering(use.line, f"uses `{use.name}`, which {why}") for why in reasons]
        dunder = next((part for part in parts[1:] if part in REFUSED_ATTRIBUTES), None)
        if dunder:
            found.append(Tampering(use.line, f"reads `.{dunder}`, which reaches the interpreter's state"))
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in REFUSED_BUILTINS:
            found.append(Tampering(node.lineno, f"uses `{node.id}`, which {REFUSED_BUILTINS[node.id]}"))
        elif isinstance(node, ast.Name) and node.id in REFUSED_ATTRIBUTES:  # a module's own __loader__, __spec__
            found.append(Tampering(node.lineno, f"uses `{node.id}`, which reaches the interpreter's state"))
    return found


def _module_reasons(name: str) -> list[str]:
    parts = name.split(".")
    prefixes = {".".join(parts[:end]) for end in range(1, len(parts) + 1)}
    reasons = [why for module, why in REFUSED_MODULES.items() if module in prefixes]
    return reasons + [why for prefix, why in REFUSED_PREFIXES.items() if name.startswith(prefix)]


def _dynamic_attributes(nodes: list[ast.AST]) -> list[Tampering]:
    """getattr and friends are allowed only as a direct call with a literal name."""
    direct = {}
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_ATTRIBUTES:
            direct[id(node.func)] = node
    found = []
    for node in nodes:
        if not (isinstance(node, ast.Name) and node.id in DYNAMIC_ATTRIBUTES):
            continue
        call = direct.get(id(node))
        if call is None:
            found.append(Tampering(node.lineno, f"uses `{node.id}` other than as a call, which lets a name be built "
                                                "at run time"))
        elif not (len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)
                  and isinstance(call.args[1].value, str)):
            found.append(Tampering(node.lineno, f"calls `{node.id}` with a name that is not a literal string, so the "
                                                "name is built at run time"))
    return found


def _library_writes(nodes: list[ast.AST]) -> list[Tampering]:
    """Assignments, deletions and setattr/delattr on an imported module or anything reached from it."""
    libraries = _library_names(nodes)
    written = [(node, f"`{ast.unparse(node)}`") for node in nodes
               if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del))]
    written += [(node.args[0], f"an attribute of `{ast.unparse(node.args[0])}`") for node in nodes
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr") and node.args]
    return [Tampering(node.lineno, f"changes {what}, part of a library that the grading relies on")
            for node, what in written if _root(node) in libraries]


def _library_names(nodes: list[ast.AST]) -> set[str]:
    """The names bound to an imported module or to something reached from one, through plain aliases too."""
    libraries = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            libraries.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            libraries.update(alias.asname or alias.name for alias in node.names)
    changed = True
    while changed:  # `T = torch.Tensor` then `U = T`: follow plain aliases, in any order
        changed = False
        for node in nodes:
            if isinstance(node, ast.Assign) and _root(node.value) in libraries and isinstance(
                    node.value, (ast.Name, ast.Attribute)):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id not in libraries:
                        libraries.add(target.id)
                        changed = True
    return libraries


def _root(node: ast.expr) -> str | None:
    """The name an attribute or subscript chain starts from (`torch` for torch.Tensor.mul)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
