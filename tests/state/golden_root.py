# Independent check of the state-root construction (lthash.h) and record
# layouts (tables.h) for the golden state in test_db_root.c.
# Run: python3 tests/state/golden_root.py (needs python3-cryptography);
# it prints the two roots test_db_root.c pins.
import hashlib, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
def b2(x): return hashlib.blake2b(x, digest_size=32).digest()
def E(d):
    ks = Cipher(algorithms.ChaCha20(d, b'\0'*16), mode=None).encryptor().update(b'\0'*2048)
    return struct.unpack('<1024H', ks)
L = [0]*1024
def add(t, k, v):
    d = b2(b'gearbox.state.v1' + bytes([t]) + struct.pack('<I', len(k)) + k + v)
    for i, e in enumerate(E(d)): L[i] = (L[i] + e) & 0xffff
def root(): return b2(struct.pack('<1024H', *L)).hex()
print('empty', root())
a = b'\1'*32; b = b'\2'*32
add(11, a, b'\1' + (1000).to_bytes(16,'little') + (1).to_bytes(8,'little'))
add(1, b, b'\0asm')
page = bytearray(16384); page[0] = 1
add(4, a + (5).to_bytes(4,'big'), bytes(page).rstrip(b'\0'))  # stored trimmed
# dispatch record version 2: kind HANDLE, not replied, present = gas_limit
# only (bit 4), payload_len, id, source, destination, gas_limit, payload
rec = bytes([2, 1, 0]) + (1 << 4).to_bytes(2,'little') \
    + (4).to_bytes(4,'little') + b + a + b + (1000).to_bytes(8,'little') + b'ping'
assert len(rec) == 105 + 8 + 4
add(5, (0).to_bytes(8,'big'), rec)
add(0, b'queue_seq', (1).to_bytes(8,'little'))
print('state', root())
