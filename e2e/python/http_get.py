# An http.client GET against socklab's HTTP lab.
import http.client
import json

conn = http.client.HTTPConnection('127.0.0.1', 20080, timeout=10)
conn.request('GET', '/get?lesson=sockets&n=1')
response = conn.getresponse()
print(response.status, response.reason, response.version)
print(response.getheader('Content-Type'))
body = json.loads(response.read())
print(body['args'], body.get('url'))
conn.close()
