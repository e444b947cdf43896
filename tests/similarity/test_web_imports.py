import subprocess
import sys

from django.test import SimpleTestCase

LOAD_THE_SITE = """
import sys, django
django.setup()
import torchgrade.urls  # every app's views, the similarity pages' among them
print("copydetect" in sys.modules)
"""


class WebImportsTest(SimpleTestCase):
    def test_the_web_process_never_loads_copydetect(self):
        # copydetect loads numpy and matplotlib: only the workers that compare need it.
        shown = subprocess.run([sys.executable, "-c", LOAD_THE_SITE], capture_output=True, text=True, check=True,
                               env={"DJANGO_SETTINGS_MODULE": "torchgrade.test_settings", "SECRET_KEY": "test",
                                    "PATH": "/usr/bin:/bin"})
        self.assertEqual(shown.stdout.strip(), "False")
