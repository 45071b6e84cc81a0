"""Catalog read models that are expensive enough to cache."""

from django.core.cache import cache

from .models import Category

CATEGORY_LIST_CACHE_KEY = "catalog:categories:v2"
CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v2"
CATEGORY_CACHE_TTL = 60 * 15


def get_category_tree() -> list[dict]:
    tree = cache.get(CATEGORY_TREE_CACHE_KEY)
    if tree is not None:
        return tree

    nodes: dict[int, dict] = {}
    for category in Category.objects.select_related("parent").order_by("name"):
        nodes[category.pk] = {
            "id": category.pk,
            "name": category.name,
            "slug": category.slug,
            "parent": category.parent.slug if category.parent_id else None,
            "parent_id": category.parent_id,
            "children": [],
        }

    tree = []
    for node in nodes.values():
        parent_id = node.pop("parent_id")
        if parent_id is None:
            tree.append(node)
        else:
            nodes[parent_id]["children"].append(node)

    cache.set(CATEGORY_TREE_CACHE_KEY, tree, timeout=CATEGORY_CACHE_TTL)
    return tree


def invalidate_category_cache() -> None:
    cache.delete_many([CATEGORY_LIST_CACHE_KEY, CATEGORY_TREE_CACHE_KEY])
