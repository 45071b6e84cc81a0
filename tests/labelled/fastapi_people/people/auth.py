from fastapi import Header, HTTPException


def current_user(authorization: str = Header("")) -> str:
    if not authorization:
        raise HTTPException(status_code=401)
    return authorization
