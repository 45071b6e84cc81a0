"""Teams: errors raised as HTTPException (the app's handler shapes them), and one
route that writes FastAPI's default shape by hand."""

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from people.auth import current_user

router = APIRouter(prefix="/teams", dependencies=[Depends(current_user)])

TEAMS: dict[int, dict] = {1: {"id": 1, "name": "core", "lead": None, "archived": False}}


class TeamPublic(BaseModel):
    id: int
    name: str


@router.get("/{team_id}", response_model=TeamPublic)
def read_team(team_id: int):
    if team_id not in TEAMS:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="no such team")
    return TEAMS[team_id]


@router.put("/{team_id}/lead", response_model=TeamPublic)
def set_lead(team_id: int, person_id: int):
    if team_id not in TEAMS:
        raise HTTPException(404, "no such team")
    if person_id < 1:
        raise HTTPException(status_code=422, detail="no such person")
    if TEAMS[team_id]["archived"]:
        return JSONResponse({"detail": "team is archived"}, status_code=409)  # expect: API006
    TEAMS[team_id]["lead"] = person_id
    return TEAMS[team_id]


@router.post("/{team_id}/archive", response_model=TeamPublic)
def archive_team(team_id: int):
    if team_id not in TEAMS:
        raise HTTPException(status_code=404, detail="no such team")
    if TEAMS[team_id]["archived"]:
        # the handler's shape, written out: consistent
        return JSONResponse(
            {"error": {"code": 409, "message": "already archived"}}, status_code=409
        )
    TEAMS[team_id]["archived"] = True
    return TEAMS[team_id]
