"""The tickets service: a FastAPI app."""

from fastapi import FastAPI

from tickets.routes import router

app = FastAPI(title="tickets")
app.include_router(router, prefix="/api")
