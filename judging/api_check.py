"""The api check: which names and syntax the student's code uses ("softmax without torch.softmax").

It reads the student's file only (helper files an exercise provides are never checked) and
counts only names the code uses, resolved as Python resolves them: `import torch.nn.functional
as F; F.relu` is `torch.nn.functional.relu`, `from torch import outer as o; o(a, b)` is
`torch.outer`. Strings and comments do not count. An attribute of an object that is not an
imported module (`t.softmax(0)`, `(a + b).sum()`) counts as the tensor method
`torch.Tensor.<name>`, since the receiver's type is unknown until the code runs.

Rules: `forbid` and `require` take dotted names (`torch.softmax`: also catches the tensor method
`t.softmax(...)`), bare names (`softmax`: anything whose last part is `softmax`) or a module's
contents (`torch.linalg.*`: the module and everything in it). A rule covers every name of its
operation (judging.op_names): ATen operators (`torch.ops.aten._softmax`), torch's C namespaces,
other bindings of the same function and torch's documented aliases (`torch.ger` is `torch.outer`).
Operators are not calls: the run-time record names `a * b` `operator.mul`, which only a rule that
says `operator.mul` (or `operator.*`) matches. A `require` entry may be a list of names of which the
code must use one (`[torch.matmul, torch.mm]`). `allow` is an allow-list of full names
(`[torch.matmul, torch.zeros]`): every name the code reaches through the allow-list's modules must
be on it (tensor methods are not constrained by it). `forbid_syntax` takes `for`, `while` and
`comprehension`. `require_keywords` ({torch.load: {weights_only: true}}) asks every call of a
function to pass these keywords as these literals; since only direct calls can be read, any other
reference to the function (`loader = torch.load`, `functools.partial(torch.load, ...)`) fails.

The harness also reports the torch functions and operators the code called while it ran, in every
job (visible and hidden checks), and the nn.Module classes whose forward ran. A forbidden one fails
the check even when the source hides it; a required name that the record can show (an overridable
torch function or tensor method, an nn.Module class) must be in it, so that an import or an unused
layer does not meet a `require` rule. That report comes from inside the sandbox, where the code
could rewrite it: it is a second signal, and the code that could defeat the rules is refused from
the source (judging.tamper, applied by judging.verdicts.check_api_files).
"""

import ast
import builtins
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from .op_names import bindings, resolved, same_object, spellings
from .spec import ApiCheck, KeywordRule

SYNTAX = {
    "for": ((ast.For, ast.AsyncFor), "a `for` loop"),
    "while": ((ast.While,), "a `while` loop"),
    "comprehension": ((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "a comprehension"),
}
TENSOR_METHOD = "torch.Tensor"
# The run-time record names an operator (`a * b`, `-a`, `a > b`) operator.mul, operator.neg, operator.gt.
OPERATOR = "operator"
RUN_TIME_NOTE = ("(This run-time report is a teaching aid, not a security boundary: the value checks are what "
                 "prove your answer.)")


@dataclass(frozen=True)
class Use:
    name: str  # resolved dotted name, e.g. torch.nn.functional.relu, or torch.Tensor.sum for a method
    line: int
    method: bool = False  # an attribute of an object whose type only the run would tell
    called: bool = False  # the callee of a call: `torch.load(...)`, not `loader = torch.load`
    imported: bool = False


@dataclass(frozen=True)
class Call:
    names: tuple[str, ...]  # what the called expression may resolve to (as Use.name)
    line: int
    keywords: dict[str, ast.expr]  # keyword -> the expression passed (read only if a rule asks)


NOT_LITERAL = object()


class _NameResolver(ast.NodeVisitor):
    """Collects the uses of one module's source, resolving imports as Python binds them."""

    def __init__(self, tree: ast.Module):
        self.aliases: dict[str, str] = {}  # local name -> dotted name it was imported as
        self.star_modules: list[str] = []
        bound = set(dir(builtins))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(node.module)
                    else:
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
        self.locals = bound - set(self.aliases)
        self.uses: list[Use] = []
        self.calls: list[Call] = []
        self.callees: set[int] = set()  # ids of the expressions that are called

    def resolve(self, name: str) -> list[str]:
        """What a bare name refers to: an import, a star import's candidates, or nothing of a library's."""
        if name in self.aliases:
            return [self.aliases[name]]
        if name in self.locals:
            return []
        return [f"{module}.{name}" for module in self.star_modules]

    def visit_Import(self, node: ast.Import) -> None:
        self.uses += [Use(alias.name, node.lineno, imported=True) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self.uses += [Use(f"{node.module}.{alias.name}", node.lineno, imported=True)
                          for alias in node.names if alias.name != "*"]

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.uses += [Use(name, node.lineno, called=id(node) in self.callees) for name in self.resolve(node.id)]

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        self.attribute_chain(node.value, [node.attr], node.lineno, called=id(node) in self.callees)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(obj, "name") with a literal name is the attribute obj.name.
        if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and "getattr" not in self.aliases
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            self.attribute_chain(node.args[0], [node.args[1].value], node.lineno)
            for extra in (*node.args[2:], *node.keywords):
                self.visit(extra)
            return
        self.callees.add(id(node.func))
        self.calls.append(Call(self.callee_names(node.func), node.lineno,
                               {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}))
        self.generic_visit(node)

    def callee_names(self, func: ast.expr) -> tuple[str, ...]:
        if isinstance(func, ast.Name):
            return tuple(self.resolve(func.id))
        if not isinstance(func, ast.Attribute):
            return ()
        names, _ = self.chain(func.value, [func.attr])
        return tuple(names)

    def chain(self, value: ast.expr, attrs: list[str]) -> tuple[list[str], ast.expr | None]:
        """The names an attribute chain resolves to, and the expression left to visit (a method's receiver)."""
        while isinstance(value, ast.Attribute):
            attrs.insert(0, value.attr)
            value = value.value
        roots = self.resolve(value.id) if isinstance(value, ast.Name) else []
        if roots:
            return [".".join([root, *attrs]) for root in roots], None
        return [f"{TENSOR_METHOD}.{attr}" for attr in attrs], value

    def attribute_chain(self, value: ast.expr, attrs: list[str], line: int, called: bool = False) -> None:
        names, receiver = self.chain(value, attrs)
        self.uses += [Use(name, line, method=receiver is not None, called=called) for name in names]
        if receiver is not None:
            self.visit(receiver)


def _literal(node: ast.expr | None) -> object:
    """The value of a literal expression, or NOT_LITERAL (a name, a call, anything computed)."""
    if node is None:
        return NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):  # what literal_eval may raise
        return NOT_LITERAL


def resolve_names(source_tree: ast.Module) -> _NameResolver:
    """The names the code uses (`.uses`, in source order) and its calls (`.calls`)."""
    resolver = _NameResolver(source_tree)
    resolver.visit(source_tree)
    resolver.uses.sort(key=lambda use: use.line)
    return resolver


@lru_cache(maxsize=65536)
def matches(rule: str, name: str) -> bool:
    """Whether the rule covers the name, under any name of the same operation (judging.op_names)."""
    if name.startswith(OPERATOR + ".") or rule.startswith(OPERATOR + "."):  # only an operator rule names one
        return name == rule or rule == OPERATOR + ".*"
    if rule.endswith(".*"):  # a module's contents, and the module itself, wherever they are bound
        module = rule[:-2]
        return any(binding == module or binding.startswith(module + ".") for binding in bindings(name))
    if "." in rule and same_object(rule, name):
        return True
    return any(_spelled_alike(spelling, other) for spelling in spellings(rule) for other in spellings(name))


def _spelled_alike(rule: str, name: str) -> bool:
    if name == rule or name.endswith("." + rule):
        return True
    # A torch function is also a tensor method: torch.X catches t.X(...) and torch.Tensor.X.
    root, _, function = rule.partition(".")
    return root == "torch" and "." not in function and name == f"{TENSOR_METHOD}.{function}"


def first_use(rule: str, uses: list[Use]) -> Use | None:
    return next((use for use in uses if matches(rule, use.name)), None)


def disallowed(allow: list[str], uses: list[Use]) -> Use | None:
    """The first name reached through the allow-list's modules that the list does not hold."""
    scopes = {rule.split(".")[0] for rule in allow}
    for use in uses:
        if use.method or use.name.split(".")[0] not in scopes:
            continue
        # A module on the way to an allowed name (`import torch` for torch.matmul) is allowed too.
        if not any(matches(rule, use.name) or rule.startswith(use.name + ".") for rule in allow):
            return use
    return None


def syntax_lines(tree: ast.Module, forbidden: list[str]) -> list[tuple[int, str]]:
    found = []
    for keyword in forbidden:
        node_types, description = SYNTAX[keyword]
        lines = [node.lineno for node in ast.walk(tree) if isinstance(node, node_types)]
        if lines:
            found.append((min(lines), description))
    return found


def check_api(source: str, check: ApiCheck, called: Collection[str] | None = None) -> tuple[bool, str]:
    """Judge `source` (the student's file) against the api check; `called` are the torch names and
    module classes the harness saw the code run (None: judge the source alone). Return (passed, message)."""
    forbid, require, allow, forbid_syntax = check.forbid, check.require, check.allow, check.forbid_syntax
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return False, f"line {exc.lineno}: your code could not be read as Python ({exc.msg})"
    resolver = resolve_names(tree)
    uses = resolver.uses
    problems = []
    for rule in forbid:
        use = first_use(rule, uses)
        if use is not None:
            problems.append(f"line {use.line}: uses `{rule}`, which this exercise forbids")
        elif any(matches(rule, name) for name in called or ()):
            problems.append(f"`{rule}` was called while your code ran (for example through getattr or a name "
                            f"built at run time), and this exercise forbids it. {RUN_TIME_NOTE}")
    if allow and (use := disallowed(allow, uses)) is not None:
        problems.append(f"line {use.line}: uses `{use.name}`, which is not among the names this exercise "
                        f"allows ({', '.join(allow)})")
    problems += [f"line {line}: uses {description}, which this exercise forbids"
                 for line, description in syntax_lines(tree, forbid_syntax)]
    problems += [problem for rule in require if (problem := require_problem(rule, uses, called))]
    problems += keyword_problems(check.require_keywords, resolver)
    if problems:
        return False, "\n".join(problems)
    parts = []
    if forbid:
        parts.append("avoids " + ", ".join(f"`{r}`" for r in forbid))
    if allow:
        parts.append("uses only " + ", ".join(f"`{r}`" for r in allow))
    if forbid_syntax:
        parts.append("has no " + ", ".join(SYNTAX[keyword][1].removeprefix("a ") for keyword in forbid_syntax))
    if require:
        parts.append("uses " + ", ".join(described(rule) for rule in require))
    if check.require_keywords:
        parts.append("passes " + ", ".join(f"{rule.keyword}={rule.value!r} to `{rule.function}`"
                                           for rule in check.require_keywords))
    return True, "Your code " + " and ".join(parts) + "."


def _alternatives(rule: str | tuple[str, ...]) -> tuple[str, ...]:
    return (rule,) if isinstance(rule, str) else rule


def described(rule: str | tuple[str, ...]) -> str:
    names = _alternatives(rule)
    return f"`{names[0]}`" if len(names) == 1 else "any of " + ", ".join(f"`{name}`" for name in names)


def require_problem(rule: str | tuple[str, ...], uses: list[Use], called: Collection[str] | None) -> str | None:
    """Why the code does not meet a require rule: it must use the name, and when the harness can see
    that name run (a torch function or tensor method, an nn.Module's forward), the record must show it."""
    found = [use for use in uses for name in _alternatives(rule) if matches(name, use.name)]
    if not found:
        return f"does not use {described(rule)}, which this exercise requires"
    if called is None or not all(_recordable(use.name, use.method) for use in found):
        return None
    if any(matches(name, ran) for name in _alternatives(rule) for ran in called):
        return None
    return (f"line {found[0].line}: uses {described(rule)}, but it never ran while your code was tested: this "
            f"exercise requires code that runs it (an import or an unused attribute does not count)")


@lru_cache(maxsize=4096)
def _recordable(name: str, method: bool) -> bool:
    """Whether the harness's record shows this name when it runs: an overridable torch function or
    tensor method (torch.overrides), or an nn.Module class (its forward). A method whose receiver may
    be a module as well as a tensor (`x.to(device)`, `model.to(device)`) is judged from the source."""
    import torch  # here: the web process reads specs through judging.reader, which imports this module

    if method and hasattr(torch.nn.Module, name.rpartition(".")[2]):
        return False
    value = resolved(name)
    if isinstance(value, type):
        return issubclass(value, torch.nn.Module)
    return value is not None and (value in _overridable() or torch.overrides.is_tensor_method_or_property(value))


@lru_cache(maxsize=1)
def _overridable() -> frozenset:
    import torch

    return frozenset(torch.overrides.get_testing_overrides())


def keyword_problems(rules: tuple[KeywordRule, ...], resolver: _NameResolver) -> list[str]:
    return [f"line {line}: {what}, which this exercise requires"
            for rule in rules for line, what in keyword_violations(rule, resolver)]


def keyword_violations(rule: KeywordRule, resolver: _NameResolver) -> list[tuple[int, str]]:
    """(line, what) for each call of the rule's function that does not pass its keyword as its literal
    value, and each reference to the function other than as the callee of a call (`loader = torch.load`,
    `functools.partial(torch.load, ...)`, `torch.load.__call__`), whose calls no check can see."""
    found = []
    for use in resolver.uses:
        parts = use.name.split(".")
        reached = any(matches(rule.function, ".".join(parts[:end])) for end in range(2, len(parts) + 1))
        if reached and not use.imported and not (use.called and matches(rule.function, use.name)):
            found.append((use.line, f"refers to `{rule.function}` other than by calling it (`{use.name}`), so no "
                                    f"check can see that its calls pass {rule.keyword}={rule.value!r}"))
    for call in resolver.calls:
        if any(matches(rule.function, name) for name in call.names):
            given = _literal(call.keywords.get(rule.keyword))
            if not (type(given) is type(rule.value) and given == rule.value):
                found.append((call.line, f"calls `{rule.function}` without {rule.keyword}={rule.value!r}"))
    return found
