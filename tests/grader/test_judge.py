import math

import torch
from django.test import SimpleTestCase

from grader.judge import Mismatch, compare
from sandbox.wire import Unsupported


class CompareTestCase(SimpleTestCase):
    def mismatch(self, expected, got, rtol=1e-5, atol=1e-8, allow_nan=False):
        with self.assertRaises(Mismatch) as ctx:
            compare(expected, got, rtol, atol, allow_nan)
        return str(ctx.exception)

    def test_close_tensors_pass(self):
        compare(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]), 1e-5, 1e-8)

    def test_it_reports_count_greatest_differences_and_first_mismatch(self):
        expected = torch.zeros(2, 3)
        got = expected.clone()
        got[0, 2], got[1, 1] = 0.25, -1.5
        message = self.mismatch(expected, got)
        self.assertIn("2 of 6 elements differ (33.3%)", message)
        self.assertIn("Greatest absolute difference: 1.5 at index (1, 1) (up to 1e-08 allowed)", message)
        self.assertIn("First mismatch at index (0, 2): expected 0, got 0.25", message)

    def test_it_reports_shape_and_dtype(self):
        self.assertIn("shape mismatch: expected (2, 3), got (3, 2)", self.mismatch(torch.zeros(2, 3), torch.zeros(3, 2)))
        self.assertIn("dtype mismatch: expected torch.float32, got torch.float64",
                      self.mismatch(torch.zeros(2), torch.zeros(2, dtype=torch.float64)))

    def test_nan_fails_unless_allowed(self):
        expected = torch.tensor([1.0, math.nan])
        self.assertIn("contains NaN at index (1,)", self.mismatch(expected, expected.clone()))
        compare(expected, expected.clone(), 1e-5, 1e-8, allow_nan=True)

    def test_a_nan_number_is_not_a_number_match(self):
        self.assertIn("NaN is not allowed", self.mismatch(1.0, math.nan))

    def test_matching_infinities_pass_and_wrong_ones_fail(self):
        compare(torch.tensor([math.inf, 1.0]), torch.tensor([math.inf, 1.0]), 1e-5, 1e-8)
        self.assertIn("1 of 2 elements differ", self.mismatch(torch.tensor([math.inf, 1.0]), torch.tensor([-math.inf, 1.0])))

    def test_integer_tensors_must_be_equal(self):
        message = self.mismatch(torch.tensor([1, 2, 3]), torch.tensor([1, 5, 3]))
        self.assertIn("1 of 3 elements differ; first at index (1,): expected 2, got 5", message)

    def test_a_list_is_not_a_tensor(self):
        self.assertIn("expected a tensor of shape (2,)", self.mismatch(torch.zeros(2), [0.0, 0.0]))

    def test_an_unsupported_object_says_its_type(self):
        self.assertIn("returned an object of type submission.Liar", self.mismatch(torch.zeros(2), Unsupported("submission.Liar")))

    def test_a_bool_is_not_a_number(self):
        self.assertIn("expected the number 1", self.mismatch(1, True))

    def test_nested_structures_say_where(self):
        message = self.mismatch({"w": [torch.zeros(1), torch.ones(1)]}, {"w": [torch.zeros(1), torch.zeros(1)]})
        self.assertIn("output['w'][1]", message)

    def test_dict_keys_must_match(self):
        self.assertIn("missing ['b'], unexpected ['c']", self.mismatch({"a": 1, "b": 2}, {"a": 1, "c": 2}))
