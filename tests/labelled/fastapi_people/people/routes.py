"""The people directory: routes that say what they answer, and one that does not."""

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from people.auth import current_user
from people.store import Person, load_person

router = APIRouter(prefix="/people", dependencies=[Depends(current_user)])


class PersonPublic(BaseModel):
    id: int
    name: str


@router.get("/{person_id}", response_model=PersonPublic)
def read_person(person_id: int):
    return load_person(person_id)


@router.get("/{person_id}/card")
def read_card(person_id: int) -> PersonPublic:
    return load_person(person_id)


@router.get("/{person_id}/raw")  # expect: API005
def read_raw(person_id: int):
    return load_person(person_id)


@router.get("/{person_id}/home", response_class=RedirectResponse)
def home(person_id: int):
    return f"/people/{person_id}"


__all__ = ["Person", "router"]
