# Opens N connections (argv[2]) to 127.0.0.1:PORT (argv[1]), one GET on
# each with its answer read, then keeps them all open and idle; prints
# "ready" and holds until stdin closes.
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
req = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(req)
    got = b''
    while not got.endswith(b'Hello, World!'):
        got += s.recv(4096)
    socks.append(s)
print('ready', flush=True)
sys.stdin.read()
