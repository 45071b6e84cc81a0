"""Who is calling: every ticket route requires a signed-in agent."""

from fastapi import Header, HTTPException, status


def current_user(authorization: str = Header("")) -> str:
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)
    return authorization.removeprefix("Bearer ")
