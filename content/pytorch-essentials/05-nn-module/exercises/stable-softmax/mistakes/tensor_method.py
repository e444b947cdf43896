# fails: Does not use a built-in softmax
def softmax(x):
    return x.softmax(dim=-1)
