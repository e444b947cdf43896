"""The tool's own RSA keys: generated here, private halves kept as files, rotated on demand.

A private key never enters the database (a dump of it signs nothing): it is a file
`<kid>.pem` of mode 0600 in settings.LTI_KEY_DIR (mode 0700). The database keeps the public half
(ToolKey), published in the tool's JWKS. `rotate()` makes a new key that signs from then on; the
old ones stay published for KEEP_PUBLISHED, so that LMSs holding a token or a cached key set
still verify it, then `prune()` forgets them and deletes their files.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from .models import ToolKey

KEEP_PUBLISHED = timedelta(days=7)


def _key_dir() -> Path:
    directory = Path(settings.LTI_KEY_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _private_path(kid: str) -> Path:
    return _key_dir() / f"{kid}.pem"


def generate() -> ToolKey:
    """A new key pair: the private half written (0600, never overwritten), the public half saved."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    kid = JWK.from_pem(public_pem.encode()).thumbprint()
    descriptor = os.open(_private_path(kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_pem)
    return ToolKey.objects.create(kid=kid, public_pem=public_pem)


def current() -> ToolKey:
    """The key that signs: the newest not retired, made on first use."""
    with transaction.atomic():
        key = ToolKey.objects.select_for_update().filter(retired_at=None).first()
        return key or generate()


def private_pem(key: ToolKey) -> str:
    return _private_path(key.kid).read_text()


def rotate() -> ToolKey:
    """A new signing key; the others are retired (still published for KEEP_PUBLISHED)."""
    with transaction.atomic():
        ToolKey.objects.select_for_update().filter(retired_at=None).update(retired_at=timezone.now())
        return generate()


def published():
    return ToolKey.objects.exclude(retired_at__lt=timezone.now() - KEEP_PUBLISHED)


def prune() -> int:
    """Forget the keys retired longer than KEEP_PUBLISHED, and delete their private files."""
    old = list(ToolKey.objects.filter(retired_at__lt=timezone.now() - KEEP_PUBLISHED))
    for key in old:
        _private_path(key.kid).unlink(missing_ok=True)
        key.delete()
    return len(old)


def jwks() -> dict:
    """The tool's public key set (RFC 7517), as LMSs fetch it."""
    current()
    keys = []
    for key in published():
        jwk = json.loads(JWK.from_pem(key.public_pem.encode()).export_public())
        keys.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": keys}
