print("vring")
