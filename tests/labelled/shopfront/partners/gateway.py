"""A small FastAPI gateway that partners' dashboards call from the browser."""

import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS

PARTNER_ORIGINS = os.environ.get("PARTNER_ORIGINS", "").split(",")

gateway = FastAPI()
gateway.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],  # expect: APISEC003
    allow_credentials=True,
    allow_methods=["GET", "POST"],
)

public = FastAPI()
public.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])

dashboards = FastAPI()
dashboards.add_middleware(
    CORSMiddleware,
    allow_origins=PARTNER_ORIGINS,
    allow_credentials=True,
)

legacy = Flask(__name__)
CORS(legacy, supports_credentials=True)  # expect: APISEC003
widgets = Flask("widgets")
CORS(widgets, origins=["https://widgets.example.com"], supports_credentials=True)
