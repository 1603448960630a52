# An ftplib session against socklab's FTP lab: log in, list, quit.
import ftplib

ftp = ftplib.FTP()
print(ftp.connect('127.0.0.1', 20021, timeout=10))
print(ftp.login())
print(ftp.pwd())
ftp.retrlines('LIST')
print(ftp.quit())
