# An http.client GET against the HTTP lab (127.0.0.1:20080; the article's
# httplib is Python 3's http.client). Nothing to run beside it: the relay
# serves the lab. /headers answers with the request's headers as JSON.
# Note: status, reason and version are attributes, not methods.
import http.client

conn = http.client.HTTPConnection('127.0.0.1', 20080, timeout=10)
conn.request('GET', '/headers')
r = conn.getresponse()
print(r.status, r.reason)
print('version', r.version)  # 11 means HTTP/1.1
print('Content-Type:', r.getheader('Content-Type'))
print(r.read().decode())
conn.close()
