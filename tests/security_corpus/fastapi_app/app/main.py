from fastapi import FastAPI

from .config import settings
from .routers import admin, auth, files, hooks, items, lookup

app = FastAPI(title="Inventory", debug=settings.debug)  # safe: CWE-489
ops = FastAPI(title="Inventory ops", debug=True)  # vuln: CWE-489

app.include_router(items.router, prefix="/items")
app.include_router(files.router, prefix="/files")
app.include_router(auth.router, prefix="/auth")
app.include_router(hooks.router, prefix="/hooks")
app.include_router(lookup.router, prefix="/lookup")
ops.include_router(admin.router)
app.mount("/ops", ops)
