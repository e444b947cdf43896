import math

import torch
from django.test import SimpleTestCase

from judging.compare import Mismatch, Tolerance, compare
from sandbox.wire import Unsupported

INF = math.inf


class CompareTestCase(SimpleTestCase):
    def mismatch(self, expected, got, tolerance=Tolerance(rtol=1e-5, atol=1e-8)):
        with self.assertRaises(Mismatch) as ctx:
            compare(expected, got, tolerance)
        return str(ctx.exception)

    def test_close_tensors_pass(self):
        compare(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]), Tolerance(rtol=1e-5, atol=1e-8))

    def test_it_reports_mismatched_elements_greatest_differences_and_first_mismatch(self):
        expected = torch.zeros(2, 3)
        got = expected.clone()
        got[0, 2], got[1, 1] = 0.25, -1.5
        message = self.mismatch(expected, got)
        self.assertIn("Mismatched elements: 2 / 6 (33.3%)", message)
        self.assertIn("Greatest absolute difference: 1.5 at index (1, 1) (up to 1e-08 allowed)", message)
        self.assertIn("Greatest relative difference: inf at index (0, 2) (up to 1e-05 allowed)", message)
        self.assertIn("First mismatch at index (0, 2): expected 0, got 0.25", message)

    def test_greatest_differences_are_taken_among_mismatched_elements_only(self):
        # Index 0 differs most in absolute terms but is within rtol; index 1 is the only mismatch.
        expected = torch.tensor([1000.0, 1.0, 1.0])
        got = torch.tensor([1000.5, 1.1, 1.0])
        message = self.mismatch(expected, got, Tolerance(rtol=1e-3, atol=0.0))
        self.assertIn("Mismatched elements: 1 / 3 (33.3%)", message)
        self.assertIn("Greatest absolute difference: 0.1 at index (1,)", message)
        self.assertIn("Greatest relative difference: 0.1 at index (1,)", message)

    def test_it_reports_shape_and_dtype(self):
        self.assertIn("shape mismatch: expected (2, 3), got (3, 2)", self.mismatch(torch.zeros(2, 3), torch.zeros(3, 2)))
        self.assertIn("dtype mismatch: expected torch.float32, got torch.float64",
                      self.mismatch(torch.zeros(2), torch.zeros(2, dtype=torch.float64)))

    def test_shapes_must_match_exactly_unless_broadcasting_is_allowed(self):
        self.assertIn("shape mismatch: expected (3,), got (3, 1)", self.mismatch(torch.zeros(3), torch.zeros(3, 1)))
        compare(torch.full((3,), 2.0), torch.tensor([2.0]), Tolerance(broadcast=True))

    def test_it_broadcasts_a_scalar_answer_to_the_expected_shape_and_compares_every_element(self):
        compare(torch.full((2, 3), 2.0), torch.tensor(2.0), Tolerance(broadcast=True))
        compare(torch.arange(6.0).reshape(2, 3), torch.arange(3.0) + torch.tensor([[0.0], [3.0]]),
                Tolerance(broadcast=True))
        message = self.mismatch(torch.arange(3.0), torch.tensor([1.0]), Tolerance(broadcast=True))
        self.assertIn("Mismatched elements: 2 / 3 (66.7%)", message)

    def test_it_never_broadcasts_the_expected_to_the_answers_shape(self):
        for got in (torch.arange(3.0).reshape(1, 3), torch.arange(3.0).expand(7, 3), torch.zeros(2)):
            with self.subTest(shape=tuple(got.shape)):
                self.assertIn(f"shape mismatch: got {tuple(got.shape)}, which cannot be broadcast to the expected (3,)",
                              self.mismatch(torch.arange(3.0), got, Tolerance(broadcast=True)))

    def test_nan_fails_unless_allowed(self):
        expected = torch.tensor([1.0, math.nan])
        self.assertIn("contains NaN at index (1,)", self.mismatch(expected, expected.clone()))
        compare(expected, expected.clone(), Tolerance(allow_nan=True))
        self.assertIn("Mismatched elements: 1 / 2", self.mismatch(
            torch.tensor([1.0, 2.0]), torch.tensor([1.0, math.nan]), Tolerance(allow_nan=True)))

    def test_a_nan_number_is_not_a_number_match(self):
        self.assertIn("NaN is not allowed", self.mismatch(1.0, math.nan))

    def test_matching_infinities_pass_and_wrong_ones_fail(self):
        compare(torch.tensor([INF, -INF, 1.0]), torch.tensor([INF, -INF, 1.0]), Tolerance())
        self.assertIn("Mismatched elements: 1 / 2", self.mismatch(torch.tensor([INF, 1.0]), torch.tensor([-INF, 1.0])))

    def test_a_finite_answer_never_matches_an_infinite_reference(self):
        for tolerance in (Tolerance(), Tolerance(rtol=0.0, atol=0.0), Tolerance(rtol=1.0, atol=1e6)):
            with self.subTest(tolerance=tolerance):
                message = self.mismatch(torch.tensor([INF, 1.0]), torch.tensor([1e30, 1.0]), tolerance)
                self.assertIn("Mismatched elements: 1 / 2", message)
                self.assertIn("Greatest absolute difference: inf at index (0,)", message)
                self.assertIn("1 / 2", self.mismatch(torch.tensor([1.0, 1.0]), torch.tensor([INF, 1.0]), tolerance))

    def test_infinite_numbers_must_match_exactly(self):
        compare(INF, INF, Tolerance())
        self.assertIn("expected inf, got -inf (infinite values must match exactly)", self.mismatch(INF, -INF))
        self.assertIn("expected inf, got 1e+300", self.mismatch(INF, 1e300, Tolerance(rtol=1.0, atol=1e6)))
        self.assertIn("expected 1.0, got inf", self.mismatch(1.0, INF, Tolerance(rtol=1.0, atol=1e6)))

    def test_default_tolerances_depend_on_the_dtype(self):
        one_in_a_million = {torch.float16: 3e-4, torch.bfloat16: 5e-3, torch.float32: 1e-6, torch.float64: 1e-8}
        for dtype, within in one_in_a_million.items():
            with self.subTest(dtype=dtype):
                expected = torch.tensor([1.0], dtype=torch.float64)
                compare(expected.to(dtype), (expected * (1 + within)).to(dtype), Tolerance())
        # float32's default would let a float64 answer off by 1e-6 pass.
        message = self.mismatch(torch.tensor([1.0], dtype=torch.float64),
                                torch.tensor([1.000001], dtype=torch.float64), Tolerance())
        self.assertIn("(up to 1e-07 allowed)", message)
        self.assertIn("(up to 0.001 allowed)", self.mismatch(torch.tensor([1.0], dtype=torch.float16),
                                                              torch.tensor([1.01], dtype=torch.float16), Tolerance()))

    def test_set_tolerances_replace_the_dtype_default(self):
        compare(torch.tensor([1.0]), torch.tensor([1.05]), Tolerance(rtol=0.1, atol=0.0))
        self.mismatch(torch.tensor([1.0]), torch.tensor([1.0 + 1e-6]), Tolerance(rtol=0.0, atol=0.0))

    def test_python_numbers_compare_as_float64_and_ints_exactly(self):
        compare(1.0, 1.0 + 1e-8, Tolerance())
        self.assertIn("up to 2e-07 allowed", self.mismatch(1.0, 1.000001, Tolerance()))
        self.assertIn("expected 3, got 4", self.mismatch(3, 4, Tolerance()))

    def test_integer_tensors_must_be_equal(self):
        message = self.mismatch(torch.tensor([1, 2, 3]), torch.tensor([1, 5, 3]), Tolerance())
        self.assertIn("Mismatched elements: 1 / 3 (33.3%)", message)
        self.assertIn("First mismatch at index (1,): expected 2, got 5", message)
        big = 2 ** 53
        self.mismatch(torch.tensor([big]), torch.tensor([big + 1]), Tolerance())

    def test_bool_tensors_must_be_equal(self):
        compare(torch.tensor([True, False]), torch.tensor([True, False]), Tolerance())
        self.assertIn("Mismatched elements: 1 / 2", self.mismatch(torch.tensor([True, False]),
                                                                  torch.tensor([True, True]), Tolerance()))

    def test_a_list_is_not_a_tensor(self):
        self.assertIn("expected a tensor of shape (2,)", self.mismatch(torch.zeros(2), [0.0, 0.0]))

    def test_a_tensor_subclass_is_not_a_tensor(self):
        class Sneaky(torch.Tensor):
            pass

        self.assertIn("got a tensor", self.mismatch(torch.zeros(2), torch.zeros(2).as_subclass(Sneaky)))

    def test_an_unsupported_object_says_its_type(self):
        self.assertIn("returned an object of type submission.Liar", self.mismatch(torch.zeros(2), Unsupported("submission.Liar")))

    def test_a_bool_is_not_a_number(self):
        self.assertIn("expected the number 1", self.mismatch(1, True))

    def test_nested_structures_say_where(self):
        message = self.mismatch({"w": [torch.zeros(1), torch.ones(1)]}, {"w": [torch.zeros(1), torch.zeros(1)]})
        self.assertIn("output['w'][1]", message)

    def test_dict_keys_must_match(self):
        self.assertIn("missing ['b'], unexpected ['c']", self.mismatch({"a": 1, "b": 2}, {"a": 1, "c": 2}))
