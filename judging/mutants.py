"""Mutants of a reference solution, and the report of how they fared (judging.mutation grades them).

Hand-written `mistakes/` catch the mistakes their author thought of. A mutant is derived mechanically
from the reference, one change at a time, by operators that fit PyTorch code: a reduction over
another `dim`, `keepdim` flipped, `sum` for `mean`, `softmax` for `log_softmax`, a dtype cast added or
removed, `.detach()` inserted, an argument left to its default, a statement deleted (`zero_grad`,
`eval`...), `shuffle` off, `no_grad` dropped, a loop bound off by one, a constant perturbed, the loss
reduction changed, the device hard-coded to the CPU...

A mutant is identified by its line and its change, `12: x.sum(dim=1) -> x.mean(dim=1)`: what an author
writes to mark it equivalent (`equivalent_mutants:` in exercise.yaml, with a reason), and what the
report prints after the solution's file name.

Plain Python on the `ast` module, without torch: the site's pages read stored reports through it
without importing the grader. The mutants are the author's own code, changed; they run only in the
sandbox, like any code.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

SOLUTION_FILE = "solution.py"
# The widest a change is printed, each side of its arrow.
CHANGE_WIDTH = 70

# Attribute names swapped by an operator, both ways.
SWAPS = {
    "sum-mean": {"sum": "mean", "mean": "sum", "nansum": "nanmean", "nanmean": "nansum"},
    "softmax-log_softmax": {"softmax": "log_softmax", "log_softmax": "softmax", "Softmax": "LogSoftmax",
                            "LogSoftmax": "Softmax"},
    "max-min": {"max": "min", "min": "max", "amax": "amin", "amin": "amax", "argmax": "argmin",
                "argmin": "argmax", "maximum": "minimum", "minimum": "maximum"},
}
TRANSPOSE_ATTRIBUTES = ("T", "mT", "mH", "H")
TRANSPOSE_METHODS = ("t", "transpose", "permute", "swapaxes", "swapdims", "movedim")
CAST_METHODS = ("float", "double", "half", "bfloat16", "long", "int", "short", "bool")
NO_OP_METHODS = ("clone", "detach", "contiguous", "requires_grad_")
GRAD_CONTEXTS = ("no_grad", "inference_mode", "enable_grad")
# The statements worth naming when one is deleted: the calls a training loop or evaluation needs.
NAMED_DELETIONS = {"zero_grad": "zero_grad-dropped", "eval": "eval-dropped", "train": "train-dropped"}
REDUCTIONS = {"mean": "sum", "sum": "mean", "none": "mean", "batchmean": "sum"}
COMPARISONS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
               ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.MatMult: ast.Mult,
              ast.FloorDiv: ast.Div, ast.Pow: ast.Mult}


@dataclass(frozen=True)
class Mutant:
    """One change to the reference solution."""

    operator: str  # which operator made it: "sum-mean", "statement-deleted"...
    line: int  # of the solution, where the change is
    change: str  # "x.sum(dim=1) -> x.mean(dim=1)"
    source: str  # the whole mutated solution

    def __post_init__(self):
        if self.line < 1 or not self.change or not self.operator:
            raise ValueError(f"not a mutant: {self.operator} at line {self.line}: {self.change!r}")

    @property
    def key(self) -> str:
        """How an author names it in `equivalent_mutants:`."""
        return f"{self.line}: {self.change}"


@dataclass(frozen=True)
class Context:
    """What an operator may need beyond the node, from the function it is in: its parameters' defaults,
    and whether it returns a tensor (not a model and its losses)."""

    defaults: dict[str, ast.expr]
    returns_tensor: bool

    @classmethod
    def of(cls, function: ast.FunctionDef) -> "Context":
        return cls(_defaults(function), not _returns_model(function))


# An operator: from one node of the solution (inside a function), the nodes that may replace it, each
# with the operator's name; a statement is deleted by replacing it with `pass`.
Replacement = tuple[str, ast.AST]
Operator = Callable[[ast.AST, Context], Iterator[Replacement]]


def _call_name(node: ast.AST) -> str:
    """The last name of what a call calls: `torch.sum(x)` and `x.sum()` are both `sum`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _receiver(node: ast.Call) -> ast.expr | None:
    """`x` of a method call `x.m(...)`; None for a call of a plain name or of a module's function."""
    func = node.func
    if isinstance(func, ast.Attribute) and not _is_module_path(func.value):
        return func.value
    return None


def _is_module_path(node: ast.expr) -> bool:
    """`torch`, `torch.nn`, `nn`, `F`: names that are modules by convention, not tensors."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("torch", "nn", "F", "functional", "optim", "math", "np")


def _keyword(node: ast.Call, name: str) -> ast.keyword | None:
    return next((keyword for keyword in node.keywords if keyword.arg == name), None)


def _with_keyword(node: ast.Call, name: str, value: ast.expr | None) -> ast.Call:
    """A copy of the call with keyword `name` set to `value` in its place, or added last (None: removed)."""
    new = copy.deepcopy(node)
    keywords = [ast.keyword(arg=k.arg, value=value) if k.arg == name else k for k in new.keywords]
    if value is not None and _keyword(node, name) is None:
        keywords.append(ast.keyword(arg=name, value=value))
    new.keywords = [k for k in keywords if k.value is not None]
    return new


def _constant(node: ast.AST, *types: type) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in types


def _method_call(receiver: ast.expr, method: str) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=receiver, attr=method, ctx=ast.Load()), args=[], keywords=[])


# --- the operators ---

def other_dim(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A reduction or softmax over another dimension: `dim=1` -> `dim=0`, `dim=0` -> `dim=-1`."""
    if not isinstance(node, ast.Call):
        return
    keyword = _keyword(node, "dim")
    if keyword is not None and _constant(keyword.value, int) or (
            keyword is not None and isinstance(keyword.value, ast.UnaryOp) and _constant(keyword.value.operand, int)):
        value = ast.literal_eval(keyword.value)
        yield "dim", _with_keyword(node, "dim", ast.Constant(0 if value != 0 else -1))
        return
    # A positional dim: x.sum(1), torch.softmax(x, 1)
    position = 0 if _receiver(node) is not None else 1
    if keyword is None and len(node.args) > position and _call_name(node) in (
            *SWAPS["sum-mean"], *SWAPS["softmax-log_softmax"], *SWAPS["max-min"], "cumsum", "prod", "std", "var",
            "norm", "logsumexp", "argsort", "sort", "cat", "stack", "unsqueeze", "squeeze", "flatten"):
        argument = node.args[position]
        if _constant(argument, int) or isinstance(argument, ast.UnaryOp) and _constant(argument.operand, int):
            value = ast.literal_eval(argument)
            new = copy.deepcopy(node)
            new.args[position] = ast.Constant(0 if value != 0 else -1)
            yield "dim", new


def transpose_dropped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A transpose or permutation left out: `x.T` -> `x`, `x.transpose(0, 1)` -> `x`."""
    if isinstance(node, ast.Attribute) and node.attr in TRANSPOSE_ATTRIBUTES and isinstance(node.ctx, ast.Load):
        yield "transpose-dropped", node.value
    elif isinstance(node, ast.Call) and _call_name(node) in TRANSPOSE_METHODS and _receiver(node) is not None:
        yield "transpose-dropped", _receiver(node)


def keepdim_flipped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Call):
        keyword = _keyword(node, "keepdim")
        if keyword is not None and _constant(keyword.value, bool):
            yield "keepdim-flipped", _with_keyword(node, "keepdim", ast.Constant(not keyword.value.value))


def _swap(operator: str) -> Operator:
    names = SWAPS[operator]

    def swap(node: ast.AST, context: Context) -> Iterator[Replacement]:
        if isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.ctx, ast.Load):
            yield operator, ast.Attribute(value=node.value, attr=names[node.attr], ctx=ast.Load())

    swap.__doc__ = f"{operator}: " + ", ".join(f"{a} -> {b}" for a, b in names.items())
    return swap


def cast_removed(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A dtype cast left out: `x.float()` -> `x`, `x.to(device, torch.float32)` -> `x.to(device)`,
    `dtype=...` removed."""
    if not isinstance(node, ast.Call):
        return
    receiver = _receiver(node)
    if receiver is not None and _call_name(node) in CAST_METHODS and not node.args:
        yield "cast-removed", receiver
    if _call_name(node) == "to" and receiver is not None:
        dtypes = [arg for arg in node.args if isinstance(arg, ast.Attribute) and _is_module_path(arg)]
        for dtype in dtypes:
            new = copy.deepcopy(node)
            new.args = [arg for arg in node.args if arg is not dtype] if len(node.args) > 1 else []
            if new.args or new.keywords:
                yield "cast-removed", new
            else:
                yield "cast-removed", receiver
    if _keyword(node, "dtype") is not None:
        yield "cast-removed", _with_keyword(node, "dtype", None)


def cast_added(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A returned tensor cast to float64: code that must keep (or set) the dtype."""
    value = node.value if isinstance(node, ast.Return) else None
    made_by_class = isinstance(value, ast.Call) and (_call_name(value) == "device" or _call_name(value)[:1].isupper())
    if isinstance(value, (ast.Call, ast.BinOp, ast.Name, ast.Subscript)) and context.returns_tensor and not made_by_class:
        yield "cast-added", ast.Return(value=_method_call(node.value, "double"))


def detach_inserted(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """`.detach()` on a computed value: gradients stop flowing through it."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
        return
    # A value computed by an operator or a function, not an object made by a class (a layer, a loader).
    if isinstance(node.value, ast.BinOp) or isinstance(node.value, ast.Call) and _call_name(node.value)[:1].islower():
        yield "detach-inserted", ast.Assign(targets=node.targets, value=_method_call(node.value, "detach"))


def no_op_dropped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """`.clone()`, `.detach()`, `.contiguous()`, `.requires_grad_()` left out."""
    if isinstance(node, ast.Call) and _call_name(node) in NO_OP_METHODS and _receiver(node) is not None:
        yield "method-dropped", _receiver(node)


def argument_defaulted(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A keyword argument left to its default (`shuffle=True`, `lr=lr`, `weight_decay=...` removed),
    and a parameter of the function replaced by its own default (`lr` -> `0.05`): code that ignores
    what it is given."""
    if isinstance(node, ast.Call):
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in ("dim", "keepdim", "dtype", "reduction", "shuffle"):
                yield "argument-defaulted", _with_keyword(node, keyword.arg, None)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in context.defaults:
        yield "parameter-hard-coded", copy.deepcopy(context.defaults[node.id])


def statement_deleted(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A statement left out: an expression statement (`optimizer.zero_grad()`, `model.eval()`,
    `loss.backward()`) or an assignment."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield NAMED_DELETIONS.get(_call_name(node.value), "statement-deleted"), ast.Pass()
    elif isinstance(node, (ast.Assign, ast.AugAssign)):
        yield "statement-deleted", ast.Pass()


def shuffle_off(node: ast.AST, context: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Call):
        keyword = _keyword(node, "shuffle")
        if keyword is not None and _constant(keyword.value, bool):
            yield "shuffle-flipped", _with_keyword(node, "shuffle", ast.Constant(not keyword.value.value))


def grad_context_dropped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """`with torch.no_grad():` (or inference_mode) left out: its body runs with gradients recorded."""
    if isinstance(node, ast.With) and len(node.items) == 1 and _call_name(node.items[0].context_expr) in GRAD_CONTEXTS:
        yield "no_grad-dropped", ast.If(test=ast.Constant(True), body=node.body, orelse=[])


def loop_bound_off(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """`range(n)` -> `range(n - 1)`; `range(a, b)` -> `range(a, b - 1)`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and 1 <= len(node.args) <= 2:
        new = copy.deepcopy(node)
        new.args[-1] = ast.BinOp(left=new.args[-1], op=ast.Sub(), right=ast.Constant(1))
        yield "loop-bound", new


def constant_perturbed(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A number changed: an int by one, a float doubled (0.0 becomes 1.0)."""
    if _constant(node, int):
        yield "constant", ast.Constant(node.value + 1)
    elif _constant(node, float):
        yield "constant", ast.Constant(node.value * 2 if node.value else 1.0)


def bool_flipped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    if _constant(node, bool):
        yield "bool-flipped", ast.Constant(not node.value)


def reduction_changed(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A loss's reduction changed (`mean` <-> `sum`), or set to `sum` where the default `mean` was used."""
    if not isinstance(node, ast.Call):
        return
    keyword = _keyword(node, "reduction")
    if keyword is not None and _constant(keyword.value, str) and keyword.value.value in REDUCTIONS:
        yield "reduction", _with_keyword(node, "reduction", ast.Constant(REDUCTIONS[keyword.value.value]))
    elif keyword is None and _call_name(node).endswith(("Loss", "_loss", "cross_entropy")):
        yield "reduction", _with_keyword(node, "reduction", ast.Constant("sum"))


def device_hard_coded(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """The device fixed to the CPU: `torch.device(...)` -> `torch.device("cpu")`, and a choice
    `"cuda" if torch.cuda.is_available() else "cpu"` -> its last branch."""
    if isinstance(node, ast.Call) and _call_name(node) == "device" and _is_module_path(node.func) \
            and not (node.args and _constant(node.args[0], str) and node.args[0].value == "cpu"):
        yield "device-hard-coded", ast.Call(func=node.func, args=[ast.Constant("cpu")], keywords=[])
    elif isinstance(node, ast.IfExp) and "is_available" in ast.unparse(node.test):
        yield "device-hard-coded", node.orelse


def comparison_changed(node: ast.AST, context: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISONS:
        yield "comparison", ast.Compare(left=node.left, ops=[COMPARISONS[type(node.ops[0])]()],
                                        comparators=node.comparators)


def arithmetic_changed(node: ast.AST, context: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        yield "arithmetic", ast.BinOp(left=node.left, op=ARITHMETIC[type(node.op)](), right=node.right)


def unary_dropped(node: ast.AST, context: Context) -> Iterator[Replacement]:
    """A negation, `~` or `not` left out."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert, ast.Not)) \
            and not isinstance(node.operand, ast.Constant):
        yield "unary-dropped", node.operand


OPERATORS: tuple[Operator, ...] = (
    other_dim, transpose_dropped, keepdim_flipped, _swap("sum-mean"), _swap("softmax-log_softmax"),
    _swap("max-min"), cast_removed, cast_added, detach_inserted, no_op_dropped, argument_defaulted,
    statement_deleted, shuffle_off, grad_context_dropped, loop_bound_off, constant_perturbed, bool_flipped,
    reduction_changed, device_hard_coded, comparison_changed, arithmetic_changed, unary_dropped,
)


@dataclass(frozen=True)
class _Site:
    """A node of the tree, where it hangs, and what the operators are told of its function."""

    parent: ast.AST
    field: str
    index: int | None
    node: ast.AST
    context: Context

    def put(self, node: ast.AST) -> None:
        """Hang `node` where this site's node hangs."""
        if self.index is None:
            setattr(self.parent, self.field, node)
        else:
            getattr(self.parent, self.field)[self.index] = node


def _sites(tree: ast.Module) -> list[_Site]:
    """Every node inside a function of `tree` (a function's signature and decorators excluded), in the
    order of a walk of the tree."""
    sites = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        context = Context.of(function)
        for statement in function.body:
            stack = [(function, "body", function.body.index(statement), statement)]
            while stack:
                parent, name, index, node = stack.pop(0)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue  # visited as a function of its own
                sites.append(_Site(parent, name, index, node, context))
                for child_name, value in ast.iter_fields(node):
                    items = value if isinstance(value, list) else [value]
                    stack += [(node, child_name, i if isinstance(value, list) else None, child)
                              for i, child in enumerate(items) if isinstance(child, ast.AST)
                              and not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop))]
    return sites


def _defaults(function: ast.FunctionDef) -> dict[str, ast.expr]:
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    named = dict(zip([a.arg for a in positional[len(positional) - len(arguments.defaults):]], arguments.defaults))
    named.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    return named


def _returns_model(function: ast.FunctionDef) -> bool:
    """A training function returns a model and its losses: a cast of that tuple means nothing."""
    return any(isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) for node in ast.walk(function))


def _line(site: _Site) -> int:
    return getattr(site.node, "lineno", None) or site.parent.lineno


def _shown(node: ast.AST) -> str:
    """A node as one line of source (a statement by its first line), cut to CHANGE_WIDTH."""
    text = ast.unparse(ast.fix_missing_locations(copy.deepcopy(node)))
    text = text.split("\n", 1)[0] if isinstance(node, ast.stmt) else " ".join(text.split())
    return text if len(text) <= CHANGE_WIDTH else text[:CHANGE_WIDTH - 3] + "..."


def _change(node: ast.AST, replacement: ast.AST) -> str:
    if isinstance(replacement, ast.Pass):
        return f"{_shown(node)} deleted"
    if isinstance(node, ast.With) and isinstance(replacement, ast.If):
        return f"{_shown(node)} removed (its body kept)"
    return f"{_shown(node)} -> {_shown(replacement)}"


def mutants(solution_code: str) -> list[Mutant]:
    """Every mutant of `solution_code`, one change each, in the order of the source; a change that
    gives back the solution, or a mutant already made, is left out."""
    tree = ast.parse(solution_code)
    original = ast.unparse(tree)
    seen, made, keys = {original}, [], set()
    for site in _sites(tree):
        for operator in OPERATORS:
            for name, replacement in operator(site.node, site.context):
                source = _replaced(tree, site, replacement)
                if source is None or source in seen:
                    continue
                seen.add(source)
                mutant = Mutant(name, _line(site), _change(site.node, replacement), source)
                while mutant.key in keys:  # the same change elsewhere on the line: `nn.Linear(1, 1)`
                    mutant = replace(mutant, change=_next_occurrence(mutant.change))
                keys.add(mutant.key)
                made.append(mutant)
    return made


def _next_occurrence(change: str) -> str:
    """`1 -> 2` becomes `1 -> 2 (#2)`, then `(#3)`..."""
    text, _, number = change.partition(" (#")
    return f"{text} (#{int(number.rstrip(')') or 1) + 1})"


def _replaced(tree: ast.Module, site: _Site, replacement: ast.AST) -> str | None:
    """The source of `tree` with `site`'s node replaced (the tree itself is left as it was); None if it
    does not compile."""
    site.put(ast.fix_missing_locations(ast.copy_location(copy.deepcopy(replacement), site.node)))
    try:
        source = ast.unparse(tree)
        compile(source, SOLUTION_FILE, "exec")
    except (SyntaxError, ValueError, TypeError):
        return None
    finally:
        site.put(site.node)
    return source


# --- grading the mutants ---

@dataclass(frozen=True)
class MutantVerdict:
    """How one mutant fared: killed on the first seed where it lost a point, or kept full marks on every seed."""

    mutant: Mutant
    killed: bool
    score: str  # "7/9" on the seed that killed it, or "9/9"
    failed_checks: tuple[str, ...] = ()  # the checks that told it apart
    seed: int | None = None  # the seed that killed it
    equivalent: str = ""  # the author's reason, when marked equivalent

    def to_json(self) -> dict:
        return {"operator": self.mutant.operator, "line": self.mutant.line, "change": self.mutant.change,
                "source": self.mutant.source, "killed": self.killed, "score": self.score,
                "failed_checks": list(self.failed_checks), "seed": self.seed, "equivalent": self.equivalent}

    @classmethod
    def from_json(cls, data: dict) -> MutantVerdict:
        return cls(Mutant(data["operator"], data["line"], data["change"], data["source"]), data["killed"],
                   data["score"], tuple(data["failed_checks"]), data["seed"], data["equivalent"])


@dataclass(frozen=True)
class MutationReport:
    verdicts: tuple[MutantVerdict, ...]
    seeds: tuple[int, ...]
    unknown_marks: tuple[str, ...] = ()  # equivalent_mutants entries that name no mutant

    @property
    def counted(self) -> list[MutantVerdict]:
        return [verdict for verdict in self.verdicts if not verdict.equivalent]

    @property
    def killed(self) -> int:
        return sum(verdict.killed for verdict in self.counted)

    @property
    def survivors(self) -> list[MutantVerdict]:
        return [verdict for verdict in self.counted if not verdict.killed]

    @property
    def score(self) -> float:
        """The share of the mutants killed (the ones marked equivalent left out); 1.0 with none."""
        counted = self.counted
        return self.killed / len(counted) if counted else 1.0

    def problems(self, label: str = SOLUTION_FILE) -> list[str]:
        """One line per surviving mutant, `solution.py:12: change — keeps 9/9: no check tells them
        apart`, and one per mark that names no mutant."""
        lines = [f"{label}:{v.mutant.line}: {v.mutant.change} [{v.mutant.operator}] \u2014 keeps {v.score}: "
                 f"no check tells them apart" for v in self.survivors]
        lines += [f'equivalent_mutants: "{key}" names no mutant of the solution (it changed?)'
                  for key in self.unknown_marks]
        return lines

    def summary(self) -> str:
        marked = len(self.verdicts) - len(self.counted)
        return (f"mutation score {self.score:.0%}: {self.killed} of {len(self.counted)} mutants killed"
                + (f" ({marked} marked equivalent)" if marked else "") + f", on {len(self.seeds)} seeds")
