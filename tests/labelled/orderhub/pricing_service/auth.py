import hmac
import os

from fastapi import Header, HTTPException

SERVICE_TOKEN = os.environ["PRICING_SERVICE_TOKEN"]


def verify_service_token(x_service_token: str = Header(...)) -> str:
    if not hmac.compare_digest(x_service_token, SERVICE_TOKEN):
        raise HTTPException(status_code=401, detail="bad service token")
    return x_service_token
