import { describe, expect, it } from 'vitest';
import type { TimePrecision } from '../../../src/application/ingest/payload-decoder.js';
import { MAX_RAW_LENGTH } from '../../../src/application/ingest/payload-decoder.js';
import { decode } from './decode-helper.js';
import type { Decoded } from './decode-helper.js';

const NOW = 1_000_000; // decode-helper's nowMs
const p = (m: string, fields: Decoded['fields'], tags: Decoded['tags'] = {}, ts = NOW): Decoded => ({ m, tags, fields, ts });

describe('a well-formed line', () => {
  it.each<[string, string, Decoded]>([
    ['the minimal line', 'm f=1', p('m', { f: 1 })],
    ['tags and a timestamp', 'm,a=1,b=x f=1i 1000000000', p('m', { f: 1 }, { a: '1', b: 'x' }, 1000)],
    ['escaped comma and space in the measurement', 'm\\,x\\ y f=1', p('m,x y', { f: 1 })],
    ['a raw = in the measurement', 'a=b f=1', p('a=b', { f: 1 })],
    ['\\= kept as is in the measurement (not an escape there)', 'a\\=b f=1', p('a\\=b', { f: 1 })],
    ['escaped space, comma and = in tag keys and values', 'm,k\\ 1\\,\\==v\\ 1\\,\\= f=1', p('m', { f: 1 }, { 'k 1,=': 'v 1,=' })],
    ['escaped space, comma and = in a field key', 'm f\\ k\\,\\==1', p('m', { 'f k,=': 1 })],
    ['a backslash before an ordinary character is literal', 'm\\x,t=a\\b f\\g=1', p('m\\x', { 'f\\g': 1 }, { t: 'a\\b' })],
    ['a doubled backslash before a comma: literal backslash, then an escaped comma', 'm,t=a\\\\,u f=1', p('m', { f: 1 }, { t: 'a\\,u' })],
    ['a string field with \\" and \\\\ escapes', 'm s="a \\"q\\" \\\\ b",f=1', p('m', { s: 'string', f: 1 })],
    ['a string field ending in an escaped backslash', 'm s="\\\\",f=2', p('m', { s: 'string', f: 2 })],
    ['a string field holding a raw newline', 'm s="line1\nline2",f=1', p('m', { s: 'string', f: 1 })],
    ['a string field holding commas, spaces and =', 'm s="a=1, b=2",f=1', p('m', { s: 'string', f: 1 })],
    ['Unicode names (non-ASCII payload)', '温度,城市=北京 值=1.5', p('温度', { 值: 1.5 }, { 城市: '北京' })],
    ['leading and trailing spaces', '   m f=1 2000000   ', p('m', { f: 1 }, {}, 2)],
    ['several spaces between sections', 'm,t=1   f=1    3000000', p('m', { f: 1 }, { t: '1' }, 3)],
    ['a # inside a measurement', 'm#1 f=1', p('m#1', { f: 1 })],
    ['unsorted tags sharing first bytes, none repeated', 'm,b=1,ab=2,ac=3,a=4,b2=5 f=1', p('m', { f: 1 }, { b: '1', ab: '2', ac: '3', a: '4', b2: '5' })],
  ])('decodes %s', (_, line, expected) => {
    expect(decode(line)).toEqual({ points: [expected], bad: [] });
  });
});

describe('field values', () => {
  it.each<[string, number]>([
    ['1', 1], ['-1', -1], ['1.5', 1.5], ['-1.5', -1.5], ['.5', 0.5], ['-.5', -0.5], ['1.', 1], ['1e3', 1000], ['1E3', 1000],
    ['1e+3', 1000], ['1e-3', 0.001], ['1.5e3', 1500], ['1.e2', 100], ['-0', 0], ['0.0001', 0.0001], ['007', 7],
    ['0.1', 0.1], ['123456.789', 123456.789], ['12345678901234567890', 1.2345678901234567e19], ['1.7976931348623157e308', 1.7976931348623157e308],
    ['5e-324', 5e-324], ['3.141592653589793238', Math.PI],
    ['1i', 1], ['-1i', -1], ['007i', 7], ['9223372036854775807i', 2 ** 63], ['-9223372036854775808i', -(2 ** 63)],
    ['0u', 0], ['18446744073709551615u', 2 ** 64],
    ['t', 1], ['T', 1], ['true', 1], ['True', 1], ['TRUE', 1], ['f', 0], ['F', 0], ['false', 0], ['False', 0], ['FALSE', 0],
  ])('reads %s as %d', (text, value) => {
    expect(decode(`m v=${text}`).points[0]?.fields).toEqual({ v: value });
  });

  it.each([
    '', 'abc', '1.5i', '-1u', '1e', '1e+', '.', '-', '+1', '1.2.3', '1x', 'tru', 'yes', 'truE', 'NaN', 'inf', '-Inf', '1e400',
    '9223372036854775808i', '-9223372036854775809i', '18446744073709551616u', '0x10', '1_000',
  ])('rejects %j as bad_field_value', (text) => {
    expect(decode(`m v=${text}`)).toEqual({ points: [], bad: [['bad_field_value', `m v=${text}`]] });
  });
});

describe('timestamps', () => {
  it.each<[string, TimePrecision, number]>([
    ['1', 's', 1000], ['1', 'ms', 1], ['1500', 'us', 1], ['1999999', 'ns', 1], ['0', 'ns', 0], ['-1', 'ns', -1], ['-1000000', 'ns', -1],
    ['-1000001', 'ns', -2], ['-1', 's', -1000], ['1700000000123456789', 'ns', 1700000000123], ['9223372036854775807', 'ns', 9223372036854],
    ['-9223372036854775808', 'ns', -9223372036855], ['9223372036', 's', 9223372036000], ['00001', 'ms', 1],
  ])('reads %s in %s as %d ms', (text, precision, ms) => {
    expect(decode(`m f=1 ${text}`, { precision }).points[0]?.ts).toBe(ms);
  });

  it.each<[string, TimePrecision]>([
    ['12a', 'ns'], ['1 2', 'ns'], ['-', 'ns'], ['1.5', 'ns'], ['9223372036854775808', 'ns'], ['99999999999999999999', 'ns'],
    ['9223372037', 's'], ['9223372036855', 'ms'], ['+1', 'ns'],
  ])('rejects %j in %s as bad_timestamp', (text, precision) => {
    expect(decode(`m f=1 ${text}`, { precision }).bad).toEqual([['bad_timestamp', `m f=1 ${text}`]]);
  });

  it('gives a line without a timestamp the payload time, truncated to the precision as InfluxDB does', () => {
    expect(decode('m f=1', { nowMs: 1_700_000_001_234 }).points[0]?.ts).toBe(1_700_000_001_234);
    expect(decode('m f=1', { nowMs: 1_700_000_001_234, precision: 's' }).points[0]?.ts).toBe(1_700_000_001_000);
  });
});

describe('a malformed line', () => {
  it.each<[string, string]>([
    [',t=1 f=1', 'missing_measurement'], [' ,t=1 f=1', 'missing_measurement'],
    ['m', 'missing_fields'], ['m ', 'missing_fields'], ['m,t=1', 'missing_fields'], ['m,t=1 ', 'missing_fields'],
    ['m,t f=1', 'bad_tag'], ['m,=1 f=1', 'bad_tag'], ['m,t= f=1', 'bad_tag'], ['m,t=1, f=1', 'bad_tag'], ['m, f=1', 'bad_tag'],
    ['m,t=1,t=2 f=1', 'bad_tag'], ['m,t=a=b f=1', 'bad_tag'], ['m,t=1,', 'bad_tag'],
    ['m,a=1,b=2,a=3 f=1', 'bad_tag'], ['m,b=1,a=2,c=3,b=4 f=1', 'bad_tag'], ['m,ab=1,b=2,ab=3 f=1', 'bad_tag'], ['m,ab=1,ac=2,ab=3 f=1', 'bad_tag'],
    ['m f', 'bad_field_key'], ['m =1', 'bad_field_key'], ['m f=1,', 'bad_field_key'], ['m f=1, g=2', 'bad_field_key'], ['m f=1,,g=2', 'bad_field_key'],
    ['m f=', 'bad_field_value'], ['m f=1,g=', 'bad_field_value'], ['m f=,g=1', 'bad_field_value'], ['m f="a"b', 'bad_field_value'],
    ['m f="abc', 'unterminated_string'], ['m f=1,s="x\\"', 'unterminated_string'],
    ['m\\', 'bad_escape'], ['m,t=a\\', 'bad_escape'], ['m f\\', 'bad_escape'], ['m\\\tx f=1', 'bad_escape'],
    ['m\tx f=1', 'bad_character'], ['\tm f=1', 'bad_character'], ['m,t=a\x01 f=1', 'bad_character'], ['m f=1\rx', 'bad_character'],
    ['m f=1 1\rx', 'bad_character'], ['# a comment with a \x02 control character', 'bad_character'], ['m\x7f f=1', 'bad_character'],
  ])('rejects %j as %s and reports its raw text', (line, reason) => {
    expect(decode(line)).toEqual({ points: [], bad: [[reason, line]] });
  });

  it('cuts the raw text of a huge bad line to MAX_RAW_LENGTH', () => {
    const line = `m,t=${'x'.repeat(5000)}`;
    const { bad } = decode(line);
    expect(bad).toEqual([['missing_fields', line.slice(0, MAX_RAW_LENGTH)]]);
  });
});

describe('a payload of many lines', () => {
  it('skips comments, blank lines and CRLF endings', () => {
    const { points, bad } = decode('# header\n\n   \r\n  # indented comment\tand tab\r\nm f=1\r\nn g=2\r\n\r\no h=3');
    expect(bad).toEqual([]);
    expect(points.map((x) => x.m)).toEqual(['m', 'n', 'o']);
  });

  it('loses nothing to the bad lines between good ones', () => {
    const payload = ['a f=1', 'bad', 'b,t=1 f=2 1000000', 'c f=oops', 'c f=3', 'd,t f=1', 'e f=4i', 'f f="open'].join('\n');
    const { points, bad } = decode(payload);
    expect(points.map((x) => [x.m, x.fields])).toEqual([['a', { f: 1 }], ['b', { f: 2 }], ['c', { f: 3 }], ['e', { f: 4 }]]);
    expect(bad).toEqual([['missing_fields', 'bad'], ['bad_field_value', 'c f=oops'], ['bad_tag', 'd,t f=1'], ['unterminated_string', 'f f="open']]);
  });

  it('reports a CRLF line without its CR', () => {
    expect(decode('m\r\nn f=1\r\n').bad).toEqual([['missing_fields', 'm']]);
  });

  it('resumes after an unterminated string at the next line, not at the end of the payload', () => {
    const { points, bad } = decode('m f="never closed\nn g=1\no h=2\n');
    expect(bad).toEqual([['unterminated_string', 'm f="never closed']]);
    expect(points.map((x) => x.m)).toEqual(['n', 'o']);
  });

  it('rejects only the lines holding invalid UTF-8', () => {
    const payload = Buffer.concat([Buffer.from('a f=1\nb,t='), Buffer.from([0xff, 0xfe]), Buffer.from(' f=2\nc f=3\n')]);
    const { points, bad } = decode(payload);
    expect(points.map((x) => x.m)).toEqual(['a', 'c']);
    expect(bad.map(([reason]) => reason)).toEqual(['bad_utf8']);
  });

  it('reads a payload that starts with a UTF-8 byte order mark', () => {
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('m f=1')])).points).toEqual([p('m', { f: 1 })]);
  });

  it('keeps tag keys apart that share length, first and last byte (the interned-key lookup)', () => {
    expect(decode('m,axz=1,ayz=2 f=1\nm,ayz=3,axz=4 f=1\nm,a\\ z=5 f=1').points.map((p) => p.tags)).toEqual([
      { axz: '1', ayz: '2' },
      { ayz: '3', axz: '4' },
      { 'a z': '5' },
    ]);
  });

  it('reads a line with more tags than the one-pass tag scan notes (it falls back to the general loop)', () => {
    const tags = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(3, '0')}=v${i}`);
    const [point] = decode(`m,${tags.join(',')} f=1`).points;
    expect(Object.keys(point?.tags ?? {})).toHaveLength(300);
    expect(point?.tags.k299).toBe('v299');
    expect(decode(`m,${tags.join(',')},k000=again f=1`).bad.map(([reason]) => reason)).toEqual(['bad_tag']);
  });

  it('decodes an empty payload to nothing', () => {
    expect(decode('')).toEqual({ points: [], bad: [] });
  });
});
