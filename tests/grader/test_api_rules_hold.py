"""Api rules that hold against a student who reads the grader (issue #18, items 2-4, 6 and 10), through
real grading: other names of a forbidden operation, dynamic code, operators, keyword rules, require
rules met by code that runs, and calls made only on a hidden check's inputs."""

import pytest
from django.test import SimpleTestCase

from judging.api_check import check_api
from judging.spec import ApiCheck, KeywordRule
from judging.verdicts import RunAnswers, SplitAnswers, check_api_files
from tests.grader.test_gradient_checks import ExerciseGradingTestCase

pytestmark = pytest.mark.usefixtures("grading_backend")

MSE_SPEC = """
title: Mean squared error by hand
entry: {function: mse}
checks:
  - kind: value
    name: Examples
    points: 1
    cases:
      - args: [{tensor: [1.0, 2.0, 3.0]}, {tensor: [1.5, 2.0, 2.0]}]
  - kind: value
    name: Longer vectors
    points: 1
    hidden: true
    random: {count: 1, args: [{randn: [5]}, {randn: [5]}]}
  - kind: api
    name: No mse_loss
    points: 1
    forbid: [torch.nn.functional.mse_loss]
  - kind: api
    name: Operators are not calls
    points: 1
    forbid: [torch.sub, torch.pow]
"""
MSE_SOLUTION = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
# Nothing in the source names mse_loss: `ops` is a local, so `ops.mse_loss` reads as a tensor method.
THROUGH_ATEN = "import torch\n\ndef mse(a, b):\n    ops = torch.ops.aten\n    return ops.mse_loss(a, b)\n"
ON_HIDDEN_INPUTS_ONLY = ("import torch\n\ndef mse(a, b):\n    if a.numel() == 5:\n        ops = torch.ops.aten\n"
                         "        return ops.mse_loss(a, b)\n    return ((a - b) ** 2).mean()\n")


class ForbiddenOperationsTestCase(ExerciseGradingTestCase):
    spec_yaml, solution = MSE_SPEC, MSE_SOLUTION

    def assertOnlyApiFails(self, checks, name, *fragments):
        self.assertTrue(checks["Examples"].passed, checks["Examples"].message)
        self.assertFalse(checks[name].passed)
        for fragment in fragments:
            self.assertIn(fragment, checks[name].message)

    def test_operators_pass_a_rule_on_the_functions(self):
        checks = self.grade(MSE_SOLUTION)  # the reference itself, validated on creation, writes a - b and ** 2
        self.assertTrue(all(check.passed for check in checks.values()), {n: c.message for n, c in checks.items()})

    def test_the_functions_themselves_fail_it(self):
        checks = self.grade("import torch\n\ndef mse(a, b):\n    return torch.pow(torch.sub(a, b), 2).mean()\n")
        self.assertOnlyApiFails(checks, "Operators are not calls", "line 4: uses `torch.sub`", "uses `torch.pow`")

    def test_the_aten_operator_is_recorded_under_its_public_name(self):
        checks = self.grade(THROUGH_ATEN)
        self.assertOnlyApiFails(checks, "No mse_loss", "`torch.nn.functional.mse_loss` was called while your code ran")

    def test_a_call_made_only_on_a_hidden_checks_inputs_counts(self):
        checks = self.grade(ON_HIDDEN_INPUTS_ONLY)
        self.assertTrue(checks["Longer vectors"].passed, checks["Longer vectors"].message)
        self.assertOnlyApiFails(checks, "No mse_loss", "`torch.nn.functional.mse_loss` was called while your code ran")
        self.assertNotIn("5", checks["No mse_loss"].message)  # nothing of the hidden inputs

    def test_code_compiled_from_text_is_refused_and_still_recorded(self):
        checks = self.grade('import torch\n\ndef mse(a, b):\n    exec(compile("r = torch.nn.functional.mse_loss(a, b)",'
                            ' "helpers.py", "exec"), None, scope := {"a": a, "b": b, "torch": torch})\n'
                            '    return scope["r"]\n')
        self.assertOnlyApiFails(checks, "No mse_loss", "line 4: uses `exec`", "line 4: uses `compile`",
                                "so this exercise's api rules could not be enforced",
                                "`torch.nn.functional.mse_loss` was called while your code ran")

    def test_leaving_the_recorder_is_refused(self):
        checks = self.grade("import torch\nimport torch.nn.functional as F\n\ndef mse(a, b):\n"
                            "    with torch._C.DisableTorchFunction():\n        return F.mse_loss(a, b)\n")
        self.assertOnlyApiFails(checks, "No mse_loss", "line 5: uses `torch._C.DisableTorchFunction`",
                                "so this exercise's api rules could not be enforced")


CONV_SPEC = """
title: Doubles through a convolution
entry: {function: double}
checks:
  - kind: value
    name: Examples
    points: 1
    cases:
      - args: [{tensor: [[1.0, 2.0], [3.0, 4.0]]}]
  - kind: api
    name: Uses a convolution and exp
    points: 1
    require: [torch.nn.Conv2d, exp]
"""
CONV_SOLUTION = """import torch

def double(x):
    conv = torch.nn.Conv2d(1, 1, 1)
    with torch.no_grad():
        conv.weight.fill_(2.0)
        conv.bias.zero_()
        return conv(x[None, None])[0, 0] * torch.zeros(1).exp()
"""


class RequireRunsTestCase(ExerciseGradingTestCase):
    spec_yaml, solution = CONV_SPEC, CONV_SOLUTION

    def test_code_that_runs_the_required_names_passes(self):
        checks = self.grade(CONV_SOLUTION)
        self.assertTrue(checks["Uses a convolution and exp"].passed, checks["Uses a convolution and exp"].message)

    def test_an_unused_layer_and_a_call_never_made_do_not_count(self):
        checks = self.grade("import torch\n\nunused = torch.nn.Conv2d(1, 1, 1)\n\ndef double(x):\n"
                            "    if x.numel() > 1000:\n        return x.exp()\n    return x * 2\n")
        self.assertTrue(checks["Examples"].passed, checks["Examples"].message)
        api = checks["Uses a convolution and exp"]
        self.assertFalse(api.passed)
        self.assertIn("line 3: uses `torch.nn.Conv2d`, but it never ran while your code was tested", api.message)
        self.assertIn("line 7: uses `exp`, but it never ran", api.message)


class RequireRecordTestCase(SimpleTestCase):
    def test_only_names_the_record_can_show_need_it(self):
        # Neither torch.arange (no tensor argument) nor a method a module has too (model.to) reaches the record.
        source = "import torch\n\ndef f(model, device):\n    model.to(device)\n    return torch.arange(3)\n"
        self.assertTrue(check_api(source, ApiCheck(name="API", require=("to", "arange")), called=[])[0])
        passed, message = check_api("def f(x):\n    return x.exp()\n", ApiCheck(name="API", require=("exp",)),
                                    called=["operator.mul"])
        self.assertFalse(passed)
        self.assertIn("line 2: uses `exp`, but it never ran", message)


OPERATOR = ApiCheck(name="API", forbid=("operator.mul",))
MULTIPLY = ApiCheck(name="API", forbid=("torch.mul",))


class OperatorRuleTestCase(SimpleTestCase):
    def test_a_rule_on_a_function_does_not_match_its_operator(self):
        for rule in (MULTIPLY, ApiCheck(name="API", forbid=("mul",))):
            self.assertTrue(check_api("def f(a, b):\n    return a * b\n", rule, called=["operator.mul"])[0])
        self.assertFalse(check_api("def f(a, b):\n    return a.mul(b)\n", MULTIPLY, called=["torch.Tensor.mul"])[0])

    def test_an_operator_rule_does(self):
        passed, message = check_api("def f(a, b):\n    return a * b\n", OPERATOR, called=["operator.mul"])
        self.assertFalse(passed)
        self.assertIn("`operator.mul` was called while your code ran", message)
        self.assertTrue(check_api("import torch\n\ndef f(a, b):\n    return torch.mul(a, b)\n", OPERATOR,
                                  called=["torch.mul"])[0])


WEIGHTS_ONLY = ApiCheck(name="API", require_keywords=(KeywordRule("torch.load", "weights_only", True),))
AROUND_THE_RULE = {
    "an alias": "loader = torch.load\nloader(buf, weights_only=False)",
    "functools.partial": "import functools\nfunctools.partial(torch.load, weights_only=False)(buf)",
    "a literal getattr": 'getattr(torch, "load")(buf)',
    "__call__": "torch.load.__call__(buf, weights_only=False)",
    "a default argument": "def f(buf, load=torch.load):\n    return load(buf)",
    "a list": "[torch.load][0](buf)",
}


class KeywordRuleTestCase(SimpleTestCase):
    def test_any_reference_but_a_direct_call_is_refused(self):
        for what, code in AROUND_THE_RULE.items():
            with self.subTest(what):
                passed, message = check_api(f"import torch\n{code}\n", WEIGHTS_ONLY)
                self.assertFalse(passed)
                self.assertIn("refers to `torch.load` other than by calling it", message)

    def test_torch_serialization_load_is_torch_load(self):
        passed, message = check_api("import torch\ntorch.serialization.load(buf)\n", WEIGHTS_ONLY)
        self.assertFalse(passed)
        self.assertIn("line 2: calls `torch.load` without weights_only=True", message)

    def test_direct_calls_with_the_keyword_pass(self):
        for code in ("import torch\ntorch.load(buf, weights_only=True)\n",
                     "from torch import load\nload(buf, weights_only=True)\n",
                     "import torch\ntorch.serialization.load(buf, weights_only=True)\n"):
            with self.subTest(code):
                self.assertTrue(check_api(code, WEIGHTS_ONLY)[0])


class HiddenJobCallsTestCase(SimpleTestCase):
    def test_the_calls_of_every_job_count(self):
        visible = RunAnswers({"probes": {}, "calls": ["torch.Tensor.mean"]})
        hidden = RunAnswers({"probes": {}, "calls": ["torch.ops.aten.outer.default"]})
        called = SplitAnswers([([{"id": "v"}], visible), ([{"id": "h"}], hidden)]).called_names
        passed, message = check_api_files("def f(a, b):\n    return a\n", ApiCheck(name="API", forbid=("torch.outer",)),
                                          called)
        self.assertFalse(passed)
        self.assertIn("`torch.outer` was called while your code ran", message)
