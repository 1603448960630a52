# An ftplib session against the FTP lab (127.0.0.1:20021, anonymous login):
# list the directory, then download a sample file in binary mode. Nothing to
# run beside it: the relay serves the lab.
# Note: retrlines('LIST') prints each line; retrbinary hands each block to the
# callback and returns the server's final reply.
from ftplib import FTP

ftp = FTP()
print(ftp.connect('127.0.0.1', 20021, timeout=10))
print(ftp.login())  # no user: anonymous
ftp.retrlines('LIST')
blocks = []
print(ftp.retrbinary('RETR welcome.txt', blocks.append))
data = b''.join(blocks)
print(len(data), 'bytes:', data)
print(ftp.quit())
