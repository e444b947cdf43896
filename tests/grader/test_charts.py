from django.test import SimpleTestCase

from grader.charts import loss_curve_svg


class LossCurveTestCase(SimpleTestCase):
    def test_it_draws_both_runs_and_the_threshold(self):
        svg = loss_curve_svg({"student": [4.0, 2.0, 1.0], "reference": [4.0, 1.0, 0.5], "threshold": 0.75})
        self.assertEqual(svg.count("<polyline"), 2)
        self.assertIn("threshold 0.75", svg)
        self.assertIn('aria-label="Loss per training step: Your run ends at 1; Reference run ends at 0.5; threshold 0.75"', svg)

    def test_it_uses_a_log_scale_for_losses_spanning_decades(self):
        self.assertIn("(log scale)", loss_curve_svg({"student": [1000.0, 1.0, 0.001]}))
        self.assertNotIn("(log scale)", loss_curve_svg({"student": [3.0, 2.0, 1.0]}))

    def test_it_thins_long_histories_but_keeps_the_last_point(self):
        svg = loss_curve_svg({"student": [float(10_000 - i) for i in range(10_000)]})
        points = svg.split('points="')[1].split('"')[0].split()
        self.assertLessEqual(len(points), 401)
        self.assertTrue(points[-1].startswith("624.0,"))

    def test_a_flat_curve_does_not_divide_by_zero(self):
        self.assertIn("<polyline", loss_curve_svg({"student": [1.0, 1.0]}))
