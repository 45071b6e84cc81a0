from dataclasses import dataclass


@dataclass
class Person:
    id: int
    name: str
    salary: int


def load_person(person_id: int) -> Person:
    return Person(person_id, "Ada", 100)
