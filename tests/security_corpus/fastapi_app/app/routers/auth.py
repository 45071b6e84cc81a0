"""Users, tokens and sessions."""

import hashlib
import random
import secrets
import string

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from jose import jwt
from passlib.context import CryptContext
from sqlalchemy.orm import Session

from ..config import settings
from ..db import get_session
from ..models import User
from ..schemas import UserCreate

router = APIRouter()
pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


@router.post("/users")
def create_user(user_in: UserCreate, db: Session = Depends(get_session)):
    data = user_in.model_dump(exclude={"password"})
    user = User(**data, hashed_password=pwd_context.hash(user_in.password))  # safe: CWE-915, CWE-328
    user.api_key = "".join(random.choices(string.ascii_letters + string.digits, k=40))  # vuln: CWE-330
    db.add(user)
    db.commit()
    return {"id": user.id}


@router.post("/legacy-users")
def create_legacy_user(user_in: UserCreate, db: Session = Depends(get_session)):
    salt = secrets.token_hex(8)  # safe: CWE-330
    digest = hashlib.sha1((salt + user_in.password).encode()).hexdigest()  # vuln: CWE-328
    user = User(email=user_in.email, full_name=user_in.full_name, hashed_password=f"sha1${salt}${digest}")
    user.api_key = secrets.token_urlsafe(32)  # safe: CWE-330
    db.add(user)
    db.commit()
    return {"id": user.id}


@router.post("/session")
def open_session(response: Response, user_in: UserCreate, db: Session = Depends(get_session)):
    user = db.query(User).filter(User.email == user_in.email).first()
    if user is None or not pwd_context.verify(user_in.password, user.hashed_password):
        raise HTTPException(status_code=401)
    token = jwt.encode({"sub": str(user.id)}, settings.jwt_secret, algorithm=settings.jwt_algorithm)  # safe: CWE-347
    response.set_cookie(key="session", value=token)  # vuln: CWE-614, CWE-1004
    response.set_cookie("session_v2", token, httponly=True, secure=True, samesite="strict")  # safe: CWE-614, CWE-1004
    response.set_cookie("seen_banner", "1")  # safe: CWE-614
    return {"ok": True}


@router.get("/me")
def me(authorization: str = Header(...), db: Session = Depends(get_session)):
    token = authorization.removeprefix("Bearer ")
    claims = jwt.decode(token, settings.jwt_secret, algorithms=[settings.jwt_algorithm])  # safe: CWE-347
    return {"sub": claims["sub"]}


@router.get("/me/unsafe")
def me_from_gateway(x_forwarded_token: str = Header(...)):
    claims = jwt.decode(x_forwarded_token, settings.jwt_secret, options={"verify_signature": False})  # vuln: CWE-347
    return {"sub": claims["sub"]}
