import pytest
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.api_check import check_api
from judging.evaluation import evaluate
from judging.spec import ApiCheck, KeywordRule, check_from_json
from tests.grader.factories import read


def rule(forbid=(), require=(), allow=(), forbid_syntax=(), require_keywords=()):
    return ApiCheck(name="API", forbid=tuple(forbid), require=tuple(require), allow=tuple(allow),
                    forbid_syntax=tuple(forbid_syntax), require_keywords=tuple(require_keywords))


class ApiCheckTestCase(SimpleTestCase):
    def assertForbidden(self, source, forbid):
        passed, message = check_api(source, rule(forbid=[forbid]))
        self.assertFalse(passed, source)
        return message

    def test_it_finds_a_forbidden_call_with_its_line(self):
        passed, message = check_api("import torch\n\ny = torch.softmax(x, 0)\n", rule(forbid=["torch.softmax"]))
        self.assertFalse(passed)
        self.assertEqual(message, "line 3: uses `torch.softmax`, which this exercise forbids")

    def test_a_bare_name_matches_any_spelling(self):
        for source in ("import torch.nn.functional as F\nF.softmax(x, 0)\n", "x.softmax(0)\n",
                       "from torch import softmax\n", "import torch\ngetattr(torch, 'softmax')(x, 0)\n"):
            with self.subTest(source=source):
                self.assertForbidden(source, "softmax")

    def test_strings_and_comments_are_not_uses(self):
        source = ('"""Unlike softmax, this is stable."""\nimport torch\n# torch.softmax would be easier\n'
                  'def f(x):\n    print("softmax", "torch.softmax")\n    return x.exp() / x.exp().sum()\n')
        for forbid in ("softmax", "torch.softmax"):
            with self.subTest(forbid=forbid):
                self.assertTrue(check_api(source, rule(forbid=[forbid]))[0])

    def test_the_students_own_names_are_not_library_uses(self):
        source = "def softmax(x):\n    return x\n\ndef f(x):\n    softmax_of_x = softmax(x)\n    return softmax_of_x\n"
        self.assertTrue(check_api(source, rule(forbid=["softmax"]))[0])

    def test_a_torch_rule_catches_the_method_form_on_any_object(self):
        for source in ("def f(a, b):\n    return a.outer(b)\n", "def f(a, b):\n    return (a + 1).outer(b)\n",
                       "import torch\ntorch.Tensor.outer(a, b)\n"):
            with self.subTest(source=source):
                self.assertIn("line 2: uses `torch.outer`", self.assertForbidden(source, "torch.outer"))

    def test_aliased_imports_are_resolved(self):
        for source in ("import torch as T\nT.outer(a, b)\n", "from torch import outer as o\no(a, b)\n",
                       "from torch import *\nouter(a, b)\n"):
            with self.subTest(source=source):
                self.assertForbidden(source, "torch.outer")
        self.assertIn("line 2:", self.assertForbidden("import torch.nn.functional as F\nF.relu(x)\n",
                                                      "torch.nn.functional.relu"))
        self.assertForbidden("from torch.nn import functional as fn\nfn.relu(x)\n", "torch.nn.functional.relu")

    def test_a_dotted_rule_does_not_match_other_modules(self):
        passes = rule(forbid=["torch.norm"])
        self.assertTrue(check_api("import torch\ntorch.linalg.norm(x)\n", passes)[0])
        self.assertTrue(check_api("import numpy as torch_like\ntorch_like.softmax(x)\n", rule(forbid=["torch.nn.functional.softmax"]))[0])

    def test_forbidden_syntax_is_found_with_its_line(self):
        source = "def f(xs):\n    total = 0\n    while xs:\n        total += xs.pop()\n    return [x for x in xs]\n"
        passed, message = check_api(source, rule(forbid_syntax=["for", "while", "comprehension"]))
        self.assertFalse(passed)
        self.assertEqual(message, "line 3: uses a `while` loop, which this exercise forbids\n"
                                  "line 5: uses a comprehension, which this exercise forbids")
        self.assertIn("line 1: uses a `for` loop", check_api("for i in range(3):\n    pass\n", rule(forbid_syntax=["for"]))[1])
        self.assertTrue(check_api("y = x.sum(0)\n", rule(forbid_syntax=["for", "while", "comprehension"]))[0])

    def test_an_allow_list_names_the_first_name_outside_it(self):
        allow = rule(allow=["torch.matmul", "torch.zeros"])
        good = "import torch\n\ndef f(a, b):\n    return torch.matmul(a, b) + torch.zeros(1)\n"
        self.assertEqual(check_api(good, allow), (True, "Your code uses only `torch.matmul`, `torch.zeros`."))
        passed, message = check_api(good + "\ndef g(a):\n    return torch.exp(a)\n", allow)
        self.assertFalse(passed)
        self.assertEqual(message, "line 7: uses `torch.exp`, which is not among the names this exercise allows "
                                  "(torch.matmul, torch.zeros)")
        self.assertIn("uses `torch.einsum`", check_api("from torch import einsum\n", allow)[1])

    def test_an_allow_list_lets_a_module_on_the_way_through(self):
        allow = rule(allow=["torch.nn.functional.relu"])
        self.assertTrue(check_api("import torch\nimport torch.nn.functional as F\nF.relu(x)\n", allow)[0])
        self.assertIn("`torch.nn.functional.gelu`", check_api("import torch.nn.functional as F\nF.gelu(x)\n", allow)[1])

    def test_a_required_call_must_appear(self):
        passed, message = check_api("def f(a, b):\n    return a * b\n", rule(require=["matmul"]))
        self.assertFalse(passed)
        self.assertIn("does not use `matmul`, which this exercise requires", message)
        self.assertTrue(check_api("def f(a, b):\n    return a.matmul(b)\n", rule(require=["matmul"]))[0])
        self.assertFalse(check_api("def f(a, b):\n    '''uses matmul'''\n    return a * b\n", rule(require=["matmul"]))[0])

    def test_a_forbidden_name_reached_only_at_run_time_fails_and_says_so(self):
        source = "import torch\n\ndef f(x):\n    return getattr(torch, 'soft' + 'max')(x, 0)\n"
        self.assertTrue(check_api(source, rule(forbid=["softmax"]))[0])
        passed, message = check_api(source, rule(forbid=["softmax"]), called={"torch.softmax", "torch.Tensor.add"})
        self.assertFalse(passed)
        self.assertIn("`softmax` was called while your code ran", message)
        self.assertIn("a teaching aid, not a security boundary", message)
        self.assertFalse(check_api(source, rule(forbid=["torch.softmax"]), called={"torch.Tensor.softmax"})[0])

    def test_run_time_calls_never_satisfy_a_requirement(self):
        self.assertFalse(check_api("def f(a, b):\n    return a\n", rule(require=["matmul"]),
                                   called={"torch.Tensor.matmul"})[0])

    def test_unreadable_code_fails_with_its_line(self):
        self.assertEqual(check_api("def f(:\n", rule(forbid=["softmax"])),
                         (False, "line 1: your code could not be read as Python (invalid syntax)"))

    def test_a_passing_check_says_what_it_verified(self):
        passed, message = check_api("y = x.exp()\n", rule(forbid=["softmax"], require=["exp"], forbid_syntax=["for"]))
        self.assertEqual((passed, message), (True, "Your code avoids `softmax` and has no `for` loop and uses `exp`."))

    def test_a_spec_stored_before_allow_lists_still_checks(self):
        stored = {"kind": "api", "name": "API", "points": 1, "hidden": False, "hint": "",
                  "forbid": ["torch.outer"], "require": []}
        self.assertFalse(check_api("import torch\ntorch.outer(a, b)\n", check_from_json(stored))[0])

    def test_a_module_rule_covers_everything_in_the_module(self):
        linalg = rule(forbid=["torch.linalg.*"])
        for source in ("import torch\ny = torch.linalg.norm(x)\n", "from torch.linalg import vector_norm\n",
                       "import torch.linalg as LA\ny = LA.vector_norm(x)\n", "from torch import linalg\n"):
            with self.subTest(source=source):
                passed, message = check_api(source, linalg)
                self.assertFalse(passed)
                self.assertIn("uses `torch.linalg.*`, which this exercise forbids", message)
        self.assertTrue(check_api("import torch\ny = torch.norm(x) + x.norm()\n", linalg)[0])

    def test_a_required_list_is_satisfied_by_any_of_its_names(self):
        either = rule(require=[("torch.matmul", "torch.mm")])
        self.assertTrue(check_api("import torch\ny = torch.mm(a, b)\n", either)[0])
        self.assertTrue(check_api("y = a.matmul(b)\n", either)[0])
        passed, message = check_api("y = a * b\n", either)
        self.assertEqual((passed, message),
                         (False, "does not use any of `torch.matmul`, `torch.mm`, which this exercise requires"))

    def test_a_keyword_rule_needs_the_literal_on_every_call(self):
        safe = rule(require_keywords=[KeywordRule("torch.load", "weights_only", True)])
        self.assertEqual(check_api("import torch\nm = torch.load(p, weights_only=True)\n", safe),
                         (True, "Your code passes weights_only=True to `torch.load`."))
        self.assertTrue(check_api("from torch import load\nm = load(p, weights_only=True)\n", safe)[0])
        # {[]: 1} makes ast.literal_eval raise TypeError, not ValueError: still just not the literal asked for.
        for call in ("torch.load(p)", "torch.load(p, weights_only=False)", "torch.load(p, weights_only=flag)",
                     "torch.load(p, weights_only=1)", "torch.load(p, weights_only={[]: 1})"):
            with self.subTest(call=call):
                passed, message = check_api(f"import torch\n\nm = {call}\n", safe)
                self.assertEqual((passed, message), (False, "line 3: calls `torch.load` without weights_only=True, "
                                                            "which this exercise requires"))
        self.assertTrue(check_api("import pickle\nm = pickle.load(f)\n", safe)[0])


HINTED_SPEC = """
title: Load
entry: {function: load}
checks:
  - kind: value
    name: Loads
    random: {count: 1, args: [{randn: [2]}]}
  - kind: api
    name: Loads with weights_only=True
    hint: Pass weights_only=True to torch.load.
    require_keywords: {torch.load: {weights_only: true}}
"""
HINTED_SOLUTION = ("import io\nimport torch\n\ndef load(x):\n    buffer = io.BytesIO()\n    torch.save(x, buffer)\n"
                   "    buffer.seek(0)\n    return torch.load(buffer, weights_only=True)\n")


@pytest.mark.usefixtures("grading_backend")
class ApiCheckHintTestCase(SimpleTestCase):
    def test_a_failed_api_check_shows_its_hint_and_a_passed_one_does_not(self):
        spec = read(HINTED_SPEC)
        unsafe = HINTED_SOLUTION.replace("weights_only=True", "weights_only=False")
        outcomes = [dict((check.name, outcome.message) for check, outcome in
                         evaluate(spec, HINTED_SOLUTION, code, 1, get_backend()).outcomes)
                    for code in (unsafe, HINTED_SOLUTION + "\n")]
        self.assertEqual(outcomes[0]["Loads with weights_only=True"],
                         "line 8: calls `torch.load` without weights_only=True, which this exercise requires\n"
                         "line 8: calls `torch.load` without weights_only=True: without it torch.load unpickles, which "
                         "can call any function, so this exercise's api rules could not be enforced\n"
                         "Hint: Pass weights_only=True to torch.load.")
        self.assertNotIn("Hint", outcomes[1]["Loads with weights_only=True"])
