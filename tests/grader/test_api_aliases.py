"""A forbid rule covers every name its operation is reachable by (issue #18, item 2): ATen operators
and their overloads, torch's C namespaces, other bindings of the same function and torch's documented
aliases, in the source as in the run-time record."""

from django.test import SimpleTestCase

from judging.api_check import check_api
from judging.spec import ApiCheck

OTHER_NAMES = {
    "torch.outer": ["torch.ops.aten.outer(a, b)", "torch.ops.aten.outer.default(a, b)",
                    "torch._C._VariableFunctions.outer(a, b)", "torch._VF.outer(a, b)", "torch.ger(a, b)",
                    "a.ger(b)", "torch.ops.aten.ger(a, b)"],
    "torch.softmax": ["torch.ops.aten.special_softmax(x, 0)", "torch.ops.aten._softmax(x, 0, False)",
                      "torch.ops.aten._softmax.default(x, 0, False)", "torch.special.softmax(x, 0)",
                      "torch.nn.functional.softmax(x, 0)", "torch._C._special.special_softmax(x, 0)"],
    "softmax": ["torch.ops.aten._softmax(x, 0, False)", "torch.ops.aten.special_softmax(x, 0)"],
    "cdist": ["torch.ops.aten._cdist_forward(a, b, 2.0, None)"],
    "torch.cdist": ["torch.ops.aten._cdist_forward.default(a, b, 2.0, None)", "torch.ops.aten.cdist(a, b)"],
    "torch.load": ["torch.serialization.load(f)"],
    "torch.special.*": ["torch.ops.aten.special_softmax(x, 0)"],
}


def forbid(*names):
    return ApiCheck(name="API", forbid=names)


class OtherNamesTestCase(SimpleTestCase):
    def test_the_source_cannot_reach_a_forbidden_operation_by_another_name(self):
        for rule, calls in OTHER_NAMES.items():
            for call in calls:
                with self.subTest(rule=rule, call=call):
                    passed, message = check_api(f"import torch\n\ny = {call}\n", forbid(rule))
                    self.assertFalse(passed)
                    self.assertIn(f"line 3: uses `{rule}`, which this exercise forbids", message)

    def test_the_run_time_record_cannot_either(self):
        recorded = {"torch.outer": "torch.ops.aten.outer.default", "softmax": "torch.ops.aten._softmax",
                    "cdist": "torch.ops.aten._cdist_forward", "torch.softmax": "torch.nn.functional.softmax"}
        for rule, name in recorded.items():
            with self.subTest(rule=rule):
                passed, message = check_api("def f(x):\n    return x\n", forbid(rule), called=[name])
                self.assertFalse(passed)
                self.assertIn(f"`{rule}` was called while your code ran", message)

    def test_other_operations_and_modules_stay_apart(self):
        for rule, source in [("torch.outer", "torch.mul(a, b)"), ("torch.special.*", "torch.softmax(x, 0)"),
                             ("torch.softmax", "torch.log_softmax(x, 0)"), ("cdist", "torch.ops.aten.mm(a, b)"),
                             ("torch.norm", "torch.linalg.norm(x)")]:
            with self.subTest(rule=rule, source=source):
                self.assertTrue(check_api(f"import torch\ny = {source}\n", forbid(rule))[0])
