"""The api check: which names and syntax the student's code uses ("softmax without torch.softmax").

It reads the student's file only (helper files an exercise provides are never checked) and
counts only names the code uses, resolved as Python resolves them: `import torch.nn.functional
as F; F.relu` is `torch.nn.functional.relu`, `from torch import outer as o; o(a, b)` is
`torch.outer`. Strings and comments do not count. An attribute of an object that is not an
imported module (`t.softmax(0)`, `(a + b).sum()`) counts as the tensor method
`torch.Tensor.<name>`, since the receiver's type is unknown until the code runs.

Rules: `forbid` and `require` take dotted names (`torch.softmax`: also catches the tensor method
`t.softmax(...)`) or bare names (`softmax`: anything whose last part is `softmax`). `allow` is an
allow-list of full names (`[torch.matmul, torch.zeros]`): every name the code reaches through the
allow-list's modules must be on it (tensor methods are not constrained by it). `forbid_syntax`
takes `for`, `while` and `comprehension`.

The harness also reports the torch functions the code called while it ran; a forbidden one
fails the check even when the source hides it (`getattr(torch, "soft" + "max")`). That report
comes from inside the sandbox, so it can only add failures: it is a teaching aid, never proof.
"""

import ast
import builtins
from collections.abc import Collection
from dataclasses import dataclass

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
        self.generic_visit(node)

    def attribute_chain(self, value: ast.expr, attrs: list[str], line: int) -> None:
        while isinstance(value, ast.Attribute):
            attrs.insert(0, value.attr)
            value = value.value
        roots = self.resolve(value.id) if isinstance(value, ast.Name) else []
        if roots:
            self.uses += [Use(".".join([root, *attrs]), line) for root in roots]
            return
        self.uses += [Use(f"{TENSOR_METHOD}.{attr}", line, method=True) for attr in attrs]
        self.visit(value)


def used_names(source_tree: ast.Module) -> list[Use]:
    """Every name the code uses, in source order."""
    resolver = _NameResolver(source_tree)
    resolver.visit(source_tree)
    return sorted(resolver.uses, key=lambda use: use.line)


def matches(rule: str, name: str) -> bool:
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


def check_api(source: str, check: dict, called: Collection[str] = ()) -> tuple[bool, str]:
    """Judge `source` (the student's file) against the api check; `called` are the torch names
    the harness saw the code call. Return (passed, message)."""
    forbid, require = check["forbid"], check["require"]
    # Specs stored before allow-lists and syntax rules existed lack these keys.
    allow, forbid_syntax = check.get("allow", []), check.get("forbid_syntax", [])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return False, f"line {exc.lineno}: your code could not be read as Python ({exc.msg})"
    uses = used_names(tree)
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
    problems += [f"does not use `{rule}`, which this exercise requires" for rule in require
                 if first_use(rule, uses) is None]
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
        parts.append("uses " + ", ".join(f"`{r}`" for r in require))
    return True, "Your code " + " and ".join(parts) + "."
