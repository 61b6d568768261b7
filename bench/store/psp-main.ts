/**
 * The payment provider of the store benchmarks: outbound/payment/psp-server.ts in a process of
 * its own (so it does not share an event loop with the load generator). Prints `ready <url>`.
 */
import { startPspServer } from '../../outbound/payment/psp-server.js';

const server = await startPspServer({ port: 0 });
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
console.log(`ready ${server.url}`);
