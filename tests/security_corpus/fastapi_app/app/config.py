from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    debug: bool = False
    database_url: str = "postgresql://inventory@localhost/inventory"
    jwt_secret: str = "3f9c2b7e1a4d8f6e0c5b9a2d7e4f1c8b"  # vuln: CWE-798
    jwt_algorithm: str = "HS256"
    github_webhook_secret: str = ""  # safe: CWE-798
    files_dir: str = "/srv/inventory/files"
    upload_dir: str = "/srv/inventory/uploads"
    inventory_url: str = "https://inventory.internal.example.com"

    model_config = {"env_prefix": "INVENTORY_"}


settings = Settings()
