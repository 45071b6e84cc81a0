import os

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["PRICING_DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["PRICING_ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)


def get_session():
    with SessionLocal() as session:
        yield session
