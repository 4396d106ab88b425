import { describe, expect, it } from 'vitest';
import { boundedError } from '../src/log-bounds.js';
import { captureLogs } from './helpers/log-capture.js';

describe('bounded errors in log lines', () => {
  it('drops the raw packet Node attaches to parser errors, cuts long messages, keeps code and short fields', () => {
    const error = Object.assign(new Error(`Parse Error: ${'x'.repeat(5_000)}`), {
      code: 'HPE_INVALID_CHUNK_SIZE',
      bytesParsed: 101,
      rawPacket: Buffer.alloc(15_000, 65),
      socket: { huge: 'object' },
    });
    const logs = captureLogs();
    logs.logger.error({ err: error }, 'parser error');
    const text = logs.text();
    expect(text.length).toBeLessThan(3_000);
    expect(text).not.toContain('rawPacket');
    expect(logs.lines[0]!.err).toMatchObject({ type: 'Error', code: 'HPE_INVALID_CHUNK_SIZE', bytesParsed: 101 });
  });

  it('keeps a short cause chain and bounds values that are not errors', () => {
    const bounded = boundedError(new Error('outer', { cause: new Error('inner') })) as { cause: { message: string } };
    expect(bounded.cause.message).toBe('inner');
    expect(boundedError('y'.repeat(1_000))).toHaveLength(301);
  });
});
