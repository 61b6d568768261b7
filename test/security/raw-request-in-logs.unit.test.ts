/**
 * Node's HTTP parser puts the raw bytes of a request it failed on into its error (`rawPacket`):
 * the bearer token and the payment token with them. The store's logger drops them from any error
 * it writes, at any depth (a wrapped error's cause too).
 */
import { expect } from 'chai';
import { storeLogger } from '../../app/logger.js';

describe('security: the raw bytes of a refused request never reach a log line', () => {
  it('drops rawPacket from an error (keeping its code) and from its cause', () => {
    const secret = 'Authorization: Bearer eyJhbGciOi.secret-part';
    const err = Object.assign(new Error('Parse Error: Invalid character in chunk size'), {
      code: 'HPE_INVALID_CHUNK_SIZE',
      rawPacket: Buffer.from(`POST /orders HTTP/1.1\r\n${secret}\r\n\r\n`),
    });
    const lines: string[] = [];
    const log = storeLogger({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    log.warn({ err }, 'client error');
    log.warn({ err: new Error('wrapped', { cause: err }) }, 'client error, wrapped');

    expect(lines).to.have.length(2);
    expect(lines[0]).to.include('"code":"HPE_INVALID_CHUNK_SIZE"');
    for (const line of lines) {
      expect(line).to.not.include('rawPacket');
      expect(line).to.not.include('secret-part');
      expect(line).to.not.match(/"0":80/); // the bytes spread into an object ("P" of POST)
    }
  });
});
