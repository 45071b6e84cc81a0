"""A thin Redis wrapper for values this app itself wrote."""

import redis

_client = redis.Redis(host="cache.internal", port=6379, db=0)


def get(key):
    return _client.get(key)


def put(key, value):
    _client.set(key, value, ex=300)
