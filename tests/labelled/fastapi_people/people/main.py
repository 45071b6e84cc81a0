"""The people directory: one handler shapes every HTTPException as
`{"error": {"code": ..., "message": ...}}`, so that is what the raises answer."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from people.routes import router
from people.teams import router as teams

app = FastAPI(title="people")
app.include_router(router)
app.include_router(teams)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException):
    return JSONResponse(
        {"error": {"code": exc.status_code, "message": exc.detail}},
        status_code=exc.status_code,
    )
