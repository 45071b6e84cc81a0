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

reports = FastAPI(title="Partner reports", debug=True)  # expect: APISEC001
status_page = FastAPI(debug=os.environ.get("STATUS_DEBUG") == "1")

if __name__ == "__main__":
    legacy.run(host="0.0.0.0", port=8081, debug=True)  # expect: APISEC001
    widgets.run(port=8082, debug=True)
