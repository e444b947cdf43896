"""The api check: which names and syntax the student's code uses ("softmax without torch.softmax").

It reads the student's file only (helper files an exercise provides are never checked) and
counts only names the code uses, resolved as Python resolves them: `import torch.nn.functional
as F; F.relu` is `torch.nn.functional.relu`, `from torch import outer as o; o(a, b)` is
`torch.outer`. Strings and comments do not count. An attribute of an object that is not an
imported module (`t.softmax(0)`, `(a + b).sum()`) counts as the tensor method
`torch.Tensor.<name>`, since the receiver's type is unknown until the code runs.

Rules: `forbid` and `require` take dotted names (`torch.softmax`: also catches the tensor method
`t.softmax(...)`), bare names (`softmax`: anything whose last part is `softmax`) or a module's
contents (`torch.linalg.*`: the module and everything in it). A `require` entry may be a list of
names of which the code must use one (`[torch.matmul, torch.mm]`). `allow` is an allow-list of full
names (`[torch.matmul, torch.zeros]`): every name the code reaches through the allow-list's modules
must be on it (tensor methods are not constrained by it). `forbid_syntax` takes `for`, `while` and
`comprehension`. `require_keywords` ({torch.load: {weights_only: true}}) asks every call of a
function to pass these keywords as these literals.

The harness also reports the torch functions the code called while it ran; a forbidden one
fails the check even when the source hides it (`getattr(torch, "soft" + "max")`). That report
comes from inside the sandbox, so it can only add failures: it is a teaching aid, never proof.
"""

import ast
import builtins
from collections.abc import Collection
from dataclasses import dataclass

from .spec import ApiCheck, KeywordRule

SYNTAX = {
    "for": ((ast.For, ast.AsyncFor), "a `for` loop"),
    "while": ((ast.While,), "a `while` loop"),
    "comprehension": ((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "a comprehension"),
}
TENSOR_METHOD = "torch.Tensor"
RUN_TIME_NOTE = ("(This run-time report is a teaching aid, not a security boundary: the value checks are what "
                 "prove your answer.)")


@dataclass(frozen=True)
class Use:
    name: str  # resolved dotted name, e.g. torch.nn.functional.relu, or torch.Tensor.sum for a method
    line: int
    method: bool = False  # an attribute of an object whose type only the run would tell


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

    def resolve(self, name: str) -> list[str]:
        """What a bare name refers to: an import, a star import's candidates, or nothing of a library's."""
        if name in self.aliases:
            return [self.aliases[name]]
        if name in self.locals:
            return []
        return [f"{module}.{name}" for module in self.star_modules]

    def visit_Import(self, node: ast.Import) -> None:
        self.uses += [Use(alias.name, node.lineno) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self.uses += [Use(f"{node.module}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.uses += [Use(name, node.lineno) for name in self.resolve(node.id)]

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        self.attribute_chain(node.value, [node.attr], node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(obj, "name") with a literal name is the attribute obj.name.
        if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and "getattr" not in self.aliases
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            self.attribute_chain(node.args[0], [node.args[1].value], node.lineno)
            for extra in (*node.args[2:], *node.keywords):
                self.visit(extra)
            return
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

    def attribute_chain(self, value: ast.expr, attrs: list[str], line: int) -> None:
        names, receiver = self.chain(value, attrs)
        self.uses += [Use(name, line, method=receiver is not None) for name in names]
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


def used_names(source_tree: ast.Module) -> list[Use]:
    """Every name the code uses, in source order."""
    return _resolved(source_tree).uses


def _resolved(source_tree: ast.Module) -> _NameResolver:
    resolver = _NameResolver(source_tree)
    resolver.visit(source_tree)
    resolver.uses.sort(key=lambda use: use.line)
    return resolver


def matches(rule: str, name: str) -> bool:
    if rule.endswith(".*"):  # a module's contents, and the module itself
        module = rule[:-2]
        return name == module or name.startswith(module + ".")
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


def check_api(source: str, check: ApiCheck, called: Collection[str] = ()) -> tuple[bool, str]:
    """Judge `source` (the student's file) against the api check; `called` are the torch names
    the harness saw the code call. Return (passed, message)."""
    forbid, require, allow, forbid_syntax = check.forbid, check.require, check.allow, check.forbid_syntax
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return False, f"line {exc.lineno}: your code could not be read as Python ({exc.msg})"
    resolved = _resolved(tree)
    uses = resolved.uses
    problems = []
    for rule in forbid:
        use = first_use(rule, uses)
        if use is not None:
            problems.append(f"line {use.line}: uses `{rule}`, which this exercise forbids")
        elif any(matches(rule, name) for name in called):
            problems.append(f"`{rule}` was called while your code ran (for example through getattr or a name "
                            f"built at run time), and this exercise forbids it. {RUN_TIME_NOTE}")
    if allow and (use := disallowed(allow, uses)) is not None:
        problems.append(f"line {use.line}: uses `{use.name}`, which is not among the names this exercise "
                        f"allows ({', '.join(allow)})")
    problems += [f"line {line}: uses {description}, which this exercise forbids"
                 for line, description in syntax_lines(tree, forbid_syntax)]
    problems += [f"does not use {described(rule)}, which this exercise requires" for rule in require
                 if not any(first_use(name, uses) for name in _alternatives(rule))]
    problems += keyword_problems(check.require_keywords, resolved.calls)
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


def keyword_problems(rules: tuple[KeywordRule, ...], calls: list[Call]) -> list[str]:
    """A call of a rule's function that does not pass its keyword as its literal value."""
    problems = []
    for rule in rules:
        for call in calls:
            if any(matches(rule.function, name) for name in call.names):
                given = _literal(call.keywords.get(rule.keyword))
                if not (type(given) is type(rule.value) and given == rule.value):
                    problems.append(f"line {call.line}: calls `{rule.function}` without {rule.keyword}={rule.value!r}, "
                                    f"which this exercise requires")
    return problems
