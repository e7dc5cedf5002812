"""Refusals: a request the server will not carry out, with its HTTP status, a short code, one line for the user
and, when one field is at fault, its name. Each layer raises its own kind; the app answers all of them alike."""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


class ApiError(Refusal):
    """The request itself is malformed: media type, size, JSON, wire rules, parameters."""


class AuthError(Refusal):
    """No token, an unknown one, or a revoked device."""


class RepoError(Refusal):
    """Well-formed but not applicable to the map: another device's camera, no such camera, a crop mismatch."""
