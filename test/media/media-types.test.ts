import {
  classifyContentType,
  contentTypesAgree,
  DEFAULT_MEDIA_LIMITS,
  formatByteSize,
  sniffImageType,
  supportedMediaSentence,
} from '../../src/media/media-types';
import { gif1x1, mp4Header, png1x1, wavSine } from './fixtures';

describe('classifyContentType', () => {
  it.each([
    ['image/jpeg', 'image'],
    ['image/JPG', 'image'],
    ['image/png', 'image'],
    ['image/gif', 'image'],
    ['image/webp', 'image'],
    ['audio/mpeg', 'audio'],
    ['audio/mp3', 'audio'],
    ['audio/wav', 'audio'],
    ['audio/x-wav', 'audio'],
    ['audio/wave', 'audio'],
    ['audio/ogg', 'audio'],
    ['audio/ogg; codecs=opus', 'audio'],
    ['Audio/OGG;codecs="opus"', 'audio'],
    ['audio/mp4', 'audio'],
    ['audio/x-m4a', 'audio'],
    ['audio/m4a', 'audio'],
    ['audio/aac', 'audio'],
    ['audio/amr', 'audio'],
    ['video/mp4', 'video'],
    ['video/webm', 'video'],
    ['application/zip', 'unsupported'],
    ['application/pdf', 'unsupported'],
    ['image/svg+xml', 'unsupported'],
    ['image/heic', 'unsupported'],
    ['text/vcard', 'unsupported'],
    ['', 'unsupported'],
  ])('%s is %s', (contentType, kind) => {
    expect(classifyContentType(contentType)).toBe(kind);
  });
});

describe('limits', () => {
  it('keeps images small enough that their base64 form fits Anthropic’s 5 MB limit', () => {
    const base64Length = Math.ceil(DEFAULT_MEDIA_LIMITS.imageBytes / 3) * 4;
    expect(base64Length).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(DEFAULT_MEDIA_LIMITS.imageBytes).toBeGreaterThan(3.5 * 1024 * 1024);
  });

  it('allows 25 MB of audio', () => {
    expect(DEFAULT_MEDIA_LIMITS.audioBytes).toBe(25 * 1024 * 1024);
  });
});

describe('contentTypesAgree', () => {
  it('accepts aliases of the same kind and generic or missing served types', () => {
    expect(contentTypesAgree('audio/mp3', 'audio/mpeg')).toBe(true);
    expect(contentTypesAgree('audio/ogg; codecs=opus', 'audio/ogg')).toBe(true);
    expect(contentTypesAgree('image/jpeg', 'image/png')).toBe(true); // bytes are sniffed later
    expect(contentTypesAgree('image/png', 'application/octet-stream')).toBe(true);
    expect(contentTypesAgree('image/png', undefined)).toBe(true);
  });

  it('refuses a served type of another kind', () => {
    expect(contentTypesAgree('image/png', 'text/html; charset=utf-8')).toBe(false);
    expect(contentTypesAgree('audio/ogg', 'video/mp4')).toBe(false);
    expect(contentTypesAgree('video/mp4', 'application/xml')).toBe(false);
  });
});

describe('sniffImageType', () => {
  it('recognises real images by their bytes', () => {
    expect(sniffImageType(png1x1())).toBe('image/png');
    expect(sniffImageType(gif1x1())).toBe('image/gif');
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))).toBe(
      'image/webp',
    );
  });

  it('rejects other files, including a RIFF that is not WebP', () => {
    expect(sniffImageType(wavSine({ seconds: 0.01 }))).toBeUndefined();
    expect(sniffImageType(mp4Header())).toBeUndefined();
    expect(sniffImageType(Buffer.from('<html>'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('customer-facing text', () => {
  it('lists the supported formats', () => {
    expect(supportedMediaSentence()).toBe(
      'I can read images (JPEG, PNG, GIF, WebP), listen to audio (MP3, WAV, OGG, M4A, AAC, AMR, 3GP) and note videos (MP4, WebM, MOV, 3GP).',
    );
  });

  it('formats sizes', () => {
    expect(formatByteSize(2.1 * 1024 * 1024)).toBe('2.1 MB');
    expect(formatByteSize(340 * 1024)).toBe('340 KB');
    expect(formatByteSize(1)).toBe('1 byte');
  });
});
