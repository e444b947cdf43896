from django.test import SimpleTestCase

from grader.api_check import check_api


class ApiCheckTestCase(SimpleTestCase):
    def test_it_finds_a_forbidden_call_with_its_line(self):
        passed, message = check_api("import torch\n\ny = torch.softmax(x, 0)\n", ["torch.softmax"], [])
        self.assertFalse(passed)
        self.assertEqual(message, "line 3: uses `torch.softmax`, which this exercise forbids")

    def test_a_bare_name_matches_any_spelling(self):
        for source in ("import torch.nn.functional as F\nF.softmax(x, 0)\n", "x.softmax(0)\n",
                       "from torch import softmax\n", "getattr(torch, 'softmax')(x, 0)\n"):
            with self.subTest(source=source):
                self.assertFalse(check_api(source, ["softmax"], [])[0])

    def test_a_dotted_rule_does_not_match_other_modules(self):
        self.assertTrue(check_api("import torch\ntorch.nn.functional.softmax(x, 0)\n", ["torch.softmax"], [])[0])

    def test_a_required_call_must_appear(self):
        passed, message = check_api("def f(a, b):\n    return a * b\n", [], ["matmul"])
        self.assertFalse(passed)
        self.assertIn("does not use `matmul`", message)
        self.assertTrue(check_api("def f(a, b):\n    return a.matmul(b)\n", [], ["matmul"])[0])

    def test_a_passing_check_says_what_it_verified(self):
        passed, message = check_api("y = x.exp()\n", ["softmax"], ["exp"])
        self.assertEqual((passed, message), (True, "Your code avoids `softmax` and uses `exp`."))
