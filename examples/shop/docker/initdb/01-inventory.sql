-- The inventory service keeps its own database on the same local Postgres.
CREATE DATABASE inventory OWNER shop;
