import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  URL_NOTICE_EVENT,
  type UrlNotice,
  badFields,
  checkUrlFields,
  indexTextBelow,
  intIn,
  numberIn,
  oneOf,
  readUrlFields,
} from '../../src/browser/url-state';

/** A page's location, history and window, enough for the URL state to read and rewrite its link. */
function fakePage(search: string) {
  const page = { href: `http://book.test/chapters/x/${search}` };
  const notices: UrlNotice[] = [];
  const win = new EventTarget();
  win.addEventListener(URL_NOTICE_EVENT, (e) => notices.push((e as CustomEvent<UrlNotice>).detail));
  vi.stubGlobal('location', {
    get href() {
      return page.href;
    },
    get search() {
      return new URL(page.href).search;
    },
  });
  vi.stubGlobal('history', { state: null, replaceState: (_s: unknown, _t: string, href: string) => (page.href = href) });
  vi.stubGlobal('window', win);
  const param = (key: string) => {
    const raw = new URL(page.href).searchParams.get(key);
    return raw === null ? null : JSON.parse(raw);
  };
  return { notices, param };
}

const q = (key: string, v: unknown) => `?${key}=${encodeURIComponent(JSON.stringify(v))}`;

describe('field checks', () => {
  it('intIn takes whole numbers in range and rejects fractions, the range ends passed, and text', () => {
    const c = intIn(1, 10);
    expect([1, 5, 10].map(c)).toEqual([true, true, true]);
    expect([0, 11, 2.5, -1, '3', NaN, null].map(c)).toEqual([false, false, false, false, false, false, false]);
  });

  it('numberIn takes finite numbers in range only', () => {
    const c = numberIn(2, 100);
    expect([2, 2.5, 100].map(c)).toEqual([true, true, true]);
    expect([1.99, 100.01, Infinity, NaN, '5'].map(c)).toEqual([false, false, false, false, false]);
  });

  it('indexTextBelow takes "" and index text below the count', () => {
    const c = indexTextBelow(10);
    expect(['', '0', '9'].map(c)).toEqual([true, true, true]);
    expect(['10', '99', '-1', '1.5', 'x', 3].map(c)).toEqual([false, false, false, false, false, false]);
  });

  it('badFields names exactly the checked fields that fail, and leaves unchecked or missing fields alone', () => {
    const fields = { target: '99', layer: 'conv1', channel: 9999, other: 'x', gone: undefined };
    const checks = { target: indexTextBelow(10), layer: oneOf('conv1', 'conv2'), channel: intIn(0, 15), gone: intIn(0, 1) };
    expect(badFields(fields, checks)).toEqual([
      ['target', '99'],
      ['channel', 9999],
    ]);
  });
});

describe('checkUrlFields', () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it('keeps a link that fits the network: no notice, URL unchanged', () => {
    const page = fakePage(q('fig', { target: '3', layer: 'conv2' }));
    const ok = checkUrlFields('fig', 'the figure', { target: '3', layer: 'conv2' }, { target: indexTextBelow(10), layer: oneOf('conv1', 'conv2') });
    expect(ok).toEqual({ target: '3', layer: 'conv2' });
    expect(page.notices).toEqual([]);
    expect(page.param('fig')).toEqual({ target: '3', layer: 'conv2' });
  });

  it('drops each bad field, gives one notice naming all of them, and keeps only the good fields in the URL', () => {
    const page = fakePage(q('fig', { target: '99', layer: 'nope', k: 4 }) + '&other=1');
    const ok = checkUrlFields('fig', 'the figure', { target: '99', layer: 'nope', k: 4 }, { target: indexTextBelow(10), layer: oneOf('conv1'), k: intIn(1, 8) });
    expect(ok).toEqual({ k: 4 });
    expect(page.notices).toHaveLength(1);
    expect(page.notices[0]!.key).toBe('fig');
    expect(page.notices[0]!.message).toContain('target = "99"');
    expect(page.notices[0]!.message).toContain('layer = "nope"');
    expect(page.notices[0]!.message).not.toContain('k = 4');
    expect(page.param('fig')).toEqual({ k: 4 });
    expect(page.param('other')).toBe(1);
  });

  it('removes the parameter when no field is left', () => {
    const page = fakePage(q('fig', { channel: 9999 }));
    expect(checkUrlFields('fig', 'the figure', { channel: 9999 }, { channel: intIn(0, 63) })).toEqual({});
    expect(page.param('fig')).toBeNull();
    expect(page.notices).toHaveLength(1);
  });

  it('counts a value the figure would round or cap as rejected', () => {
    const page = fakePage(q('fig', { iterations: 2.5, k: 1000 }));
    const ok = checkUrlFields('fig', 'the figure', { iterations: 2.5, k: 1000 }, { iterations: intIn(1, 50), k: intIn(1, 32) });
    expect(ok).toEqual({});
    expect(page.notices[0]!.message).toMatch(/iterations = 2\.5, k = 1000/);
    expect(page.param('fig')).toBeNull();
  });
});

describe('readUrlFields then checkUrlFields, as a figure uses them', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('rejects format nonsense at once and network nonsense later, ending with only the valid fields', () => {
    const page = fakePage(q('fig', { target: '-1', layer: 'nope', channel: 3, mode: 'sideways' }));
    const read = readUrlFields('fig', 'the figure', { target: indexTextBelow(Infinity), layer: (v) => typeof v === 'string', channel: intIn(0, 1e6), mode: oneOf('a', 'b') });
    expect(read).toEqual({ layer: 'nope', channel: 3 });
    expect(page.param('fig')).toEqual({ layer: 'nope', channel: 3 });
    const ok = checkUrlFields('fig', 'the figure', read, { layer: oneOf('conv1'), channel: intIn(0, 7) });
    expect(ok).toEqual({ channel: 3 });
    expect(page.param('fig')).toEqual({ channel: 3 });
    expect(page.notices.map((n) => n.key)).toEqual(['fig', 'fig']);
  });
});
