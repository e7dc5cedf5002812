"""Settings of the device-side uploader (the token is a secret: environment or systemd credential only)."""

from pydantic import BaseModel, ConfigDict, Field


class SyncSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server_url: str = Field("", description="Campaign server base URL, e.g. https://carte.example.org")
