def print_label(order_id):
    return f"label {order_id}"
