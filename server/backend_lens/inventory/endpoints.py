def collect_endpoints(project):
    return []
