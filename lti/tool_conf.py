"""pylti1p3's view of the registrations: its ToolConf over the Platform and ToolKey rows, and an
HTTP session that never waits on an LMS for long."""

import requests
from pylti1p3.deployment import Deployment as LibraryDeployment
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.tool_config import ToolConfAbstract

from . import keys
from .models import Deployment, Platform

HTTP_TIMEOUT_S = 10


class TimeoutSession(requests.Session):
    """pylti1p3 calls requests without a timeout: an LMS that hangs must not hang a web process."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "torchgrade-lti"
    return session


def registration_of(platform: Platform) -> Registration:
    key = keys.current()
    return (Registration()
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_key_set_url(platform.key_set_url)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_auth_audience(platform.auth_audience or None)
            .set_tool_private_key(keys.private_pem(key))
            .set_tool_public_key(key.public_pem))


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The registration of `issuer` with `client_id`; without a client id (some login initiations
    leave it out), the issuer's only one."""
    platforms = Platform.objects.filter(issuer=issuer)
    if client_id:
        return platforms.filter(client_id=client_id).first()
    return platforms.first() if platforms.count() == 1 else None


def service_connector(platform: Platform) -> ServiceConnector:
    return ServiceConnector(registration_of(platform), requests_session=http_session())


class ToolConf(ToolConfAbstract):
    """Every issuer may have several client ids: registrations are looked up by both."""

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        raise NotImplementedError("registrations are found by issuer and client id")

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        return registration_of(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        raise NotImplementedError("deployments are found by issuer, client id and deployment id")

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        if platform is None or not Deployment.objects.filter(platform=platform, deployment_id=deployment_id).exists():
            return None
        return LibraryDeployment().set_deployment_id(deployment_id)
