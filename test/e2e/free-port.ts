/** A loopback TCP port nobody listens on, for servers started by tests and for "connection refused" cases. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Binds port 0 on 127.0.0.1, reads the port the kernel chose, and closes the socket again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
