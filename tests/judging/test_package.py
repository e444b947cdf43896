"""The judging core is plain Python, like sandbox/: no Django, and none of the site's apps."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import judging

PACKAGE_DIR = Path(judging.__file__).parent
SITE_PACKAGES = ("django", "celery", "grader", "courses", "staff", "accounts", "torchgrade")
# The harness is not imported: it is the program a sandbox job runs, with the job's INPUTS as globals.
SCRIPT = "harness"
MODULES = sorted(f"judging.{info.name}" for info in pkgutil.iter_modules([str(PACKAGE_DIR)]) if info.name != SCRIPT)


def test_importing_every_module_loads_no_django_and_no_app_of_the_site():
    program = f"import sys; import {', '.join(MODULES)}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    result = subprocess.run([sys.executable, "-c", program], cwd=PACKAGE_DIR.parent, env={"PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout.strip()))
    assert loaded.isdisjoint(SITE_PACKAGES), sorted(loaded & set(SITE_PACKAGES))
    assert {"torch", "sandbox"} <= loaded  # what it may use: proof that the import above ran


def test_no_module_names_a_site_package_in_its_source():
    """Also a function-level import would be caught here, which the import test above cannot see."""
    for path in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not [n for n in names if n.split(".")[0] in SITE_PACKAGES], f"{path.name}:{node.lineno}"


def test_every_public_function_carries_type_hints():
    for path in PACKAGE_DIR.glob("*.py"):
        if path.stem == SCRIPT:
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                unhinted = [a.arg for a in arguments if a.annotation is None]
                assert not unhinted and node.returns is not None, f"{path.name}:{node.lineno} {node.name} {unhinted}"
