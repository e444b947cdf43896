"""The tool's signing keys: `lti_keys` lists them, `lti_keys rotate` makes a new one that signs
from now on (the old ones stay published a while), `lti_keys prune` forgets long-retired ones."""

from django.core.management.base import BaseCommand

from lti import keys
from lti.models import ToolKey


class Command(BaseCommand):
    help = "List, rotate or prune the LTI tool's signing keys."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["list", "rotate", "prune"], default="list")

    def handle(self, action, **options):
        if action == "rotate":
            self.stdout.write(f"New signing key {keys.rotate().kid}")
        elif action == "prune":
            self.stdout.write(f"Forgot {keys.prune()} retired key(s)")
        for key in ToolKey.objects.all():
            state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "signing"
            self.stdout.write(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")
