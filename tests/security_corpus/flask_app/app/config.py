import os


class Config:
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    UPLOAD_FOLDER = "/srv/blog/uploads"
    EXPORT_DIR = "/srv/blog/exports"
    SESSION_COOKIE_HTTPONLY = True  # safe: CWE-1004
    JWT_ALGORITHM = "HS256"


class ProductionConfig(Config):
    DEBUG = True  # vuln: CWE-489
    SECRET_KEY = "a8f5f167f44f4964e6c998dee827110c"  # vuln: CWE-798
    SQLALCHEMY_DATABASE_URI = "postgresql://blog:Pr0d-Blog-2024!@db.internal:5432/blog"  # vuln: CWE-798
    JWT_SECRET = os.environ["JWT_SECRET"]  # safe: CWE-798
    SESSION_COOKIE_SECURE = False  # vuln: CWE-614
    REMEMBER_COOKIE_SECURE = True  # safe: CWE-614


class DevelopmentConfig(Config):
    DEBUG = True  # safe: CWE-489
    SECRET_KEY = "dev"  # safe: CWE-798
    SQLALCHEMY_DATABASE_URI = "postgresql://blog:blog@localhost:5432/blog"  # safe: CWE-798
    JWT_SECRET = "dev-jwt"  # safe: CWE-798
    SESSION_COOKIE_SECURE = False  # safe: CWE-614
