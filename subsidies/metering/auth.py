"""The utilities' API credential: `Authorization: Token <key>`, the key's SHA-256 looked up
among the tokens not revoked; only such a token passes `IsUtility` (a session does not)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from subsidies.metering.models import UtilityToken, hash_token


class UtilityTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, UtilityToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("接口密钥格式有误。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("接口密钥格式有误。")) from None
        token = (
            UtilityToken.objects.select_related("utility", "user")
            .filter(key_hash=hash_token(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("接口密钥无效或已停用。"))
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class UtilityTokenScheme(OpenApiAuthenticationExtension):
    target_class = UtilityTokenAuthentication
    name = "utilityToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key>",
        }


class IsUtility(permissions.BasePermission):
    """Only a utility's token: a logged-in official's session is no API credential."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, UtilityToken)
