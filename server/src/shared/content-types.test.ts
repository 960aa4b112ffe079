import { describe, expect, it } from 'vitest';
import { contentTypeFor, servedContentType, validContentType } from './content-types.ts';

describe('content types', () => {
  it('keeps a valid type, lower-cased, with only a token charset', () => {
    expect(validContentType('Text/HTML; Charset="UTF-8"; boundary=x')).toBe('text/html; charset=utf-8');
    expect(validContentType(' image/png ')).toBe('image/png');
    expect(validContentType('text/plain; charset="a b"')).toBe('text/plain');
    expect(validContentType('application/vnd.api+json;q=1')).toBe('application/vnd.api+json');
  });

  it('refuses what is not a type, or would smuggle a header line', () => {
    for (const declared of [
      'text/plain\r\nX-Evil: 1',
      'bad',
      'a/b/c',
      '',
      'text/ plain',
      `text/${'x'.repeat(300)}`,
      'téxt/plain',
    ])
      expect(validContentType(declared), declared).toBeUndefined();
    expect(validContentType('text/plain; charset=utf-8\r\nX-Evil: 1')).toBe('text/plain');
  });

  it('falls back to the name, then to application/octet-stream', () => {
    expect(contentTypeFor('photo.png', 'image/webp')).toBe('image/webp');
    expect(contentTypeFor('photo.png', 'text/plain\r\nX: y')).toBe('image/png');
    expect(contentTypeFor('photo.png', 'application/octet-stream')).toBe('image/png');
    expect(contentTypeFor('photo.png', undefined)).toBe('image/png');
    expect(contentTypeFor('no-extension', 'nonsense')).toBe('application/octet-stream');
    expect(servedContentType('text/html\r\nSet-Cookie: a=b')).toBe('application/octet-stream');
    expect(servedContentType(null)).toBe('application/octet-stream');
  });
});
