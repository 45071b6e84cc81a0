from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from shopfront.reporting.models import Sale

ENGINE = create_engine("postgresql://reporting@db/reporting", pool_pre_ping=True)
SessionLocal = sessionmaker(bind=ENGINE)


def monthly_totals(month):
    engine = create_engine("postgresql://reporting@db/reporting")  # expect: CONN002
    with engine.connect() as conn:
        return conn.execute(text("SELECT sum(total) FROM sales WHERE month = :m"), {"m": month}).scalar()


def yearly_totals(year):
    with Session(ENGINE) as session:
        return session.execute(text("SELECT sum(total) FROM sales WHERE year = :y"), {"y": year}).scalar()


def best_month():
    session = SessionLocal()  # expect: CONN003
    return session.execute(text("SELECT month FROM sales ORDER BY total DESC LIMIT 1")).scalar()


def worst_month():
    session = SessionLocal()
    try:
        return session.execute(text("SELECT month FROM sales ORDER BY total LIMIT 1")).scalar()
    finally:
        session.close()


def sales_by_region(month):
    with Session(ENGINE) as session:
        rows = session.scalars(select(Sale).where(Sale.month == month))
        return [(sale.region.name, sale.id) for sale in rows]  # expect: ORM001


def sales_by_region_fast(month):
    with Session(ENGINE) as session:
        rows = session.scalars(select(Sale).options(selectinload(Sale.region)).where(Sale.month == month))
        return [(sale.region.name, sale.id) for sale in rows]
