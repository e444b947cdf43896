"""A fake LMS for the LTI tests: it plays the platform on loopback.

It has an RSA key pair and serves its JWKS; it signs id_tokens for launches and deep links (as
the IMS LTI 1.3 core and Deep Linking 2.0 examples shape them); its token, NRPS and AGS endpoints
check the tool's signed client assertion against the tool's JWKS and record what the tool sent.
`down = True` makes every service answer 503. For the browser: /start posts the third-party
login initiation to the tool (an LMS-style auto-submitting form) and /auth answers the tool's
authentication request with an auto-submitting form carrying the signed id_token.
"""

import html
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
AGS_SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
              "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
              "https://purl.imsglobal.org/spec/lti-ags/scope/score"]
CLIENT_ID, DEPLOYMENT_ID, CONTEXT_ID = "torchgrade-client", "deployment-1", "course-section-42"


def new_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = JWK.from_pem(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return pem, {**json.loads(public.export_public()), "kid": public.thumbprint(), "alg": "RS256", "use": "sig"}


class FakePlatform:
    def __init__(self, public_host="127.0.0.1"):
        """Served on 127.0.0.1, named `public_host` in its URLs."""
        self.private_pem, self.jwk = new_key()
        self.forger_pem, _ = new_key()  # signs forged tokens under the real key's kid
        self.requests = []  # (method, path, headers, body) of everything the tool sent
        self.scores = []  # the score bodies posted to line items
        self.lineitems = []
        self.members = []
        self.down = False
        self.tool_key_set = {"keys": []}  # the tool's JWKS, as the LMS fetched it at registration
        self.tool_urls = {}  # for the browser flow: login and launch URLs of the tool
        self.pending_launch = {}  # what /auth signs next (browser flow)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://{public_host}:{self.server.server_address[1]}"
        self.issuer = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def registration(self) -> dict:
        """The fields of the tool's Platform row for this fake LMS."""
        return {"name": "Fake LMS", "issuer": self.issuer, "client_id": CLIENT_ID,
                "auth_login_url": f"{self.base}/auth", "auth_token_url": f"{self.base}/token",
                "key_set_url": f"{self.base}/jwks"}

    # --- messages

    def claims(self, issued_nonce, sub="student-1", roles=(LEARNER,), item=None, resource_link_id="link-1", **extra):
        """A resource link launch's claims, after the LTI 1.3 core example."""
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": CLIENT_ID, "sub": sub, "exp": now + 300, "iat": now, "nonce": issued_nonce,
            "given_name": "Ada", "family_name": "Student", "name": "Ada Student", "email": f"{sub}@uni.example",
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID, LTI + "target_link_uri": self.tool_urls.get("launch", ""),
            LTI + "resource_link": {"id": resource_link_id, "title": "Placed item"},
            LTI + "roles": list(roles),
            LTI + "context": {"id": CONTEXT_ID, "label": "ML101", "title": "Machine learning 101",
                              "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            LTI + "launch_presentation": {"document_target": "iframe", "return_url": f"{self.base}/return"},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.base}/memberships", "service_versions": ["2.0"]},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": AGS_SCOPES, "lineitems": f"{self.base}/lineitems"},
        }
        if item:
            claims[LTI + "custom"] = {"torchgrade_item": item}
        return {**claims, **extra}

    def deep_link_claims(self, issued_nonce, sub="teacher-1", roles=(INSTRUCTOR,), **extra):
        """A deep linking request's claims, after the Deep Linking 2.0 example."""
        claims = self.claims(issued_nonce, sub=sub, roles=roles)
        del claims[LTI + "resource_link"]
        claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": f"{self.base}/deep-link-return", "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"], "accept_multiple": True,
            "auto_create": True, "data": "opaque-csrf-1"}
        return {**claims, **extra}

    def sign(self, claims, forged=False, kid=None) -> str:
        return jwt.encode(claims, self.forger_pem if forged else self.private_pem, algorithm="RS256",
                          headers={"kid": kid or self.jwk["kid"]})

    def login_parameters(self, **extra) -> dict:
        """The third-party login initiation, as an LMS sends it to the tool."""
        return {"iss": self.issuer, "login_hint": "hint-1", "target_link_uri": self.tool_urls.get("launch", ""),
                "lti_message_hint": "message-hint-1", "client_id": CLIENT_ID, "lti_deployment_id": DEPLOYMENT_ID,
                **extra}

    # --- what the tool sent

    def tool_claims(self, token: str) -> dict:
        """The claims of a client assertion the tool signed for the token endpoint, checked
        against the tool's key set and with this platform's token URL as audience."""
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in self.tool_key_set["keys"] if k["kid"] == kid)
        return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=f"{self.base}/token")

    # --- the HTTP side

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", content_type="application/json", headers=()):
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self):
                header = self.headers.get("Authorization", "")
                return header.startswith("Bearer ") and header[7:] in platform._tokens

            def do_GET(self):
                url = urlsplit(self.path)
                platform.requests.append(("GET", url.path, dict(self.headers), ""))
                if url.path == "/jwks":
                    return self._reply(200, {"keys": [platform.jwk]})
                if url.path == "/start":  # the LMS page whose form starts a launch in the tool
                    fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                                     for k, v in platform.login_parameters().items())
                    return self._reply(200, f'<!doctype html><title>LMS</title><form id="f" method="post" '
                                       f'action="{html.escape(platform.tool_urls["login"])}">{fields}</form>'
                                       '<script>document.getElementById("f").submit()</script>', "text/html")
                if url.path == "/auth":  # the authentication response: the signed id_token, posted back
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    token = platform.sign(platform.claims(query["nonce"], **platform.pending_launch))
                    return self._reply(200, f'<!doctype html><title>LMS</title><form id="f" method="post" '
                                       f'action="{html.escape(query["redirect_uri"])}">'
                                       f'<input type="hidden" name="id_token" value="{token}">'
                                       f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
                                       '</form><script>document.getElementById("f").submit()</script>', "text/html")
                if platform.down:
                    return self._reply(503, {"error": "down for maintenance"})
                if not self._authorised():
                    return self._reply(401, {"error": "no token"})
                if url.path == "/memberships":
                    return self._reply(200, {"id": f"{platform.base}/memberships", "context": {"id": CONTEXT_ID},
                                             "members": platform.members},
                                       "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
                if url.path == "/lineitems":
                    return self._reply(200, platform.lineitems, "application/vnd.ims.lis.v2.lineitemcontainer+json")
                return self._reply(404, {"error": "no such endpoint"})

            def do_POST(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                platform.requests.append(("POST", url.path, dict(self.headers), body))
                if platform.down:
                    return self._reply(503, {"error": "down for maintenance"})
                if url.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(body).items()}
                    try:
                        claims = platform.tool_claims(form["client_assertion"])
                    except Exception as exc:
                        return self._reply(401, {"error": "invalid_client", "error_description": str(exc)})
                    assert form["grant_type"] == "client_credentials"
                    assert claims["iss"] == claims["sub"] == CLIENT_ID
                    token = uuid.uuid4().hex
                    platform._tokens.add(token)
                    return self._reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                             "scope": form["scope"]})
                if not self._authorised():
                    return self._reply(401, {"error": "no token"})
                if url.path == "/lineitems":
                    item = {**json.loads(body), "id": f"{platform.base}/lineitems/{len(platform.lineitems) + 1}"}
                    platform.lineitems.append(item)
                    return self._reply(201, item, "application/vnd.ims.lis.v2.lineitem+json")
                if url.path.startswith("/lineitems/") and url.path.endswith("/scores"):
                    platform.scores.append({"lineitem": url.path.removesuffix("/scores"),
                                            "content_type": self.headers["Content-Type"], **json.loads(body)})
                    return self._reply(200, {})
                return self._reply(404, {"error": "no such endpoint"})

        self._tokens = set()
        return Handler
