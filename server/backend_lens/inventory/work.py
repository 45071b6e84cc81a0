def collect_tasks(project):
    return []


def collect_consumers(project):
    return []


def collect_graphql(project):
    return []
