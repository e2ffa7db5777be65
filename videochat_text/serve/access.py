"""Who may use the server: a token for every API call, and no public bind without one."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

from ..config import Settings
from ..errors import ConfigError

TOKEN_COOKIE = "videochat_text_token"
"""The page keeps the token here too, because a <video> element cannot send a header."""


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to serve beyond this machine without a token.

    Raises:
        ConfigError: ``host`` is not a loopback address and ``serve.token`` is not set.
    """
    import ipaddress

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and settings.serve.token is None:
        raise ConfigError(
            f"serving on {host} would let anyone on the network use it: set serve.token in the config "
            "(or the environment variable VIDEOCHAT_TEXT_TOKEN), or bind 127.0.0.1")


def token_check(settings: Settings):
    """A FastAPI dependency: 401 unless the request carries ``serve.token`` (when one is set)."""
    token = settings.serve.token.get_secret_value() if settings.serve.token else None

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not value:
            # <video> and <img> cannot send headers: the page's cookie counts for reading media
            value = request.cookies.get(TOKEN_COOKIE, "") if request.method == "GET" else ""
        if not secrets.compare_digest(value.strip().encode(), token.encode()):
            raise HTTPException(401, "this server needs a token: send 'Authorization: Bearer <serve.token>'",
                                headers={"WWW-Authenticate": "Bearer"})

    return require_token
