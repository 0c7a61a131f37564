routes = []
urls = []
