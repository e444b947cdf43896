"""Static checks of the source: forbidden and required calls ("softmax without torch.softmax").

A rule such as `torch.softmax` matches the dotted name wherever it appears (a call, an attribute
read, an import, a string handed to getattr); a rule without a dot, such as `softmax`, matches any
name or attribute with that last part (`F.softmax`, `x.softmax`, `from torch import softmax`).
"""

import ast


def used_names(tree):
    """Every dotted name the code mentions, with the first line it appears on."""
    names = {}

    def note(name, node):
        names.setdefault(name, node.lineno)

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            note(dotted(node) or node.attr, node)
            note(node.attr, node)
        elif isinstance(node, ast.Name):
            note(node.id, node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                note(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                note(f"{node.module}.{alias.name}" if node.module else alias.name, node)
                note(alias.name, node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            note(node.value, node)
    return names


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def matches(rule, name):
    return name == rule or name.endswith("." + rule)


def find(rule, names):
    """The first line where `rule` is used, or None."""
    lines = [line for name, line in names.items() if matches(rule, name)]
    return min(lines) if lines else None


def check_api(source, forbid, require):
    """Return (passed, message)."""
    names = used_names(ast.parse(source))
    problems = []
    for rule in forbid:
        line = find(rule, names)
        if line is not None:
            problems.append(f"line {line}: uses `{rule}`, which this exercise forbids")
    for rule in require:
        if find(rule, names) is None:
            problems.append(f"does not use `{rule}`, which this exercise requires")
    if problems:
        return False, "\n".join(problems)
    parts = []
    if forbid:
        parts.append("avoids " + ", ".join(f"`{r}`" for r in forbid))
    if require:
        parts.append("uses " + ", ".join(f"`{r}`" for r in require))
    return True, "Your code " + " and ".join(parts) + "."
