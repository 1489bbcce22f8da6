import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/images/';
const GALLERY = (JSON.parse(readFileSync('public/images/gallery.json', 'utf8')) as {
  images: { id: string; file: string; title: string; width: number; height: number }[];
}).images;
const byId = (id: string) => GALLERY.find((g) => g.id === id)!;

/** What a `cnn-image-change` event carried, as recorded by the page. */
interface Seen {
  id?: string;
  title: string;
  width: number;
  height: number;
  bytes: number;
}

/** Records every `cnn-image-change` event from the page's start, then opens the chapter at the picker. */
async function openChapter(page: Page, query = ''): Promise<void> {
  await page.addInitScript(() => {
    const seen: unknown[] = ((window as unknown as { imageEvents: unknown[] }).imageEvents = []);
    document.addEventListener('cnn-image-change', (e) => {
      const { image, id, title } = (e as CustomEvent).detail;
      seen.push({ id, title, width: image.width, height: image.height, bytes: image.data.length });
    });
  });
  await page.goto(CHAPTER + query);
  await page.locator('cnn-image-picker').scrollIntoViewIfNeeded();
}

async function lastEvent(page: Page): Promise<Seen | undefined> {
  return page.evaluate(() => (window as unknown as { imageEvents: Seen[] }).imageEvents.at(-1));
}

async function expectImage(page: Page, expected: Partial<Seen>): Promise<void> {
  await expect.poll(() => lastEvent(page)).toMatchObject(expected);
  const seen = (await lastEvent(page))!;
  expect(seen.bytes).toBe(seen.width * seen.height * 4);
}

test.afterEach(({ problems }) => {
  expect(problems.list).toEqual([]);
});

const gallery = (page: Page) => page.getByRole('radiogroup', { name: "The book's images" });
const alert = (page: Page) => page.locator('cnn-image-picker [role="alert"]');
const fileInput = (page: Page) => page.locator('cnn-image-picker input[type="file"]');

test('shows the first gallery image and announces it with its true size', async ({ page }) => {
  await openChapter(page);
  const first = GALLERY[0]!;
  await expectImage(page, { id: first.id, title: first.title, width: first.width, height: first.height });
  await expect(gallery(page).getByRole('radio')).toHaveCount(GALLERY.length);
  await expect(gallery(page).getByRole('radio', { name: first.title })).toHaveAttribute('aria-checked', 'true');
  await expect(page.locator('cnn-image-picker figcaption')).toContainText('CC0 1.0');
  await expect(page.locator('cnn-image-picker')).toContainText('never leave your machine');
});

test('the gallery works with the keyboard as a radio group, and the URL keeps the choice', async ({ page }) => {
  await openChapter(page);
  const [first, second] = GALLERY;
  const firstRadio = gallery(page).getByRole('radio', { name: first!.title });
  await expect(firstRadio).toHaveAttribute('aria-checked', 'true');
  await expect(gallery(page).locator('[tabindex="0"]')).toHaveCount(1); // one tab stop for the group
  await firstRadio.focus();
  await page.keyboard.press('ArrowRight');
  const secondRadio = gallery(page).getByRole('radio', { name: second!.title });
  await expect(secondRadio).toBeFocused();
  await expect(secondRadio).toHaveAttribute('aria-checked', 'true');
  await expectImage(page, { id: second!.id, width: second!.width, height: second!.height });
  await page.keyboard.press('End');
  const last = GALLERY.at(-1)!;
  await expectImage(page, { id: last.id, width: last.width, height: last.height });
  await expect(page).toHaveURL(new RegExp(`picker=%22${last.id}%22`));
  // A link to this view restores it.
  await page.goto(page.url());
  await page.locator('cnn-image-picker').scrollIntoViewIfNeeded();
  await expect(gallery(page).getByRole('radio', { name: last.title })).toHaveAttribute('aria-checked', 'true');
});

test('a link with a gallery id opens that image; an unknown id falls back to the first', async ({ page }) => {
  const boats = byId('boats');
  await openChapter(page, '?picker=%22boats%22');
  await expectImage(page, { id: 'boats', width: boats.width, height: boats.height });
  await openChapter(page, '?picker=%22nope%22');
  await expectImage(page, { id: GALLERY[0]!.id });
  await expect(page.locator('cnn-url-notice li[data-key="picker"]')).toContainText('"nope"');
  await expect(page).not.toHaveURL(/picker=/);
});

test("opens the reader's own PNG, shows it, and drops the gallery choice from the URL", async ({ page }) => {
  await openChapter(page, '?picker=%22cat%22');
  await expectImage(page, { id: 'cat' });
  await fileInput(page).setInputFiles('public/images/brick.png');
  await expectImage(page, { id: undefined, title: 'brick.png', width: 256, height: 256 });
  await expect(page.locator('cnn-image-picker [role="status"]')).toContainText('brick.png, 256 × 256');
  await expect(gallery(page).locator('[aria-checked="true"]')).toHaveCount(0);
  await expect(page).not.toHaveURL(/picker=/);
  await expect(alert(page)).toHaveCount(0);
});

test('a pasted image and a dropped image are opened too', async ({ page }) => {
  await openChapter(page);
  await expectImage(page, { id: GALLERY[0]!.id });
  const jpeg = [...readFileSync('public/images/coffee.jpg')];
  const coffee = byId('coffee');
  await page.evaluate((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'pasted.jpg', { type: 'image/jpeg' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
  }, jpeg);
  await expectImage(page, { title: 'pasted.jpg', width: coffee.width, height: coffee.height });
  const png = [...readFileSync('public/images/wood.png')];
  await page.evaluate((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
    document.querySelector('cnn-image-picker')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }));
  }, png);
  await expectImage(page, { title: 'dropped.png', width: 128, height: 128 });
});

test('files that are not images, or are broken, give a clear message and keep the last image', async ({ page }) => {
  await openChapter(page);
  const first = GALLERY[0]!;
  await expectImage(page, { id: first.id });
  const count = () => page.evaluate(() => (window as unknown as { imageEvents: unknown[] }).imageEvents.length);
  const before = await count();

  await fileInput(page).setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('These are my notes, not a picture.\n') });
  await expect(alert(page)).toContainText('"notes.png" is labelled as an image (image/png) but its contents are not a picture');

  await fileInput(page).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(alert(page)).toContainText('"notes.txt" (text/plain) is not an image');

  const png = readFileSync('public/images/brick.png');
  await fileInput(page).setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: png.subarray(0, 200) });
  await expect(alert(page)).toContainText('could not decode this PNG file');

  const huge = Buffer.from(png.subarray(0, 33));
  huge.writeUInt32BE(100_000, 16);
  huge.writeUInt32BE(100_000, 20);
  await fileInput(page).setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
  await expect(alert(page)).toContainText('100000 × 100000 pixels');

  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
  await fileInput(page).setInputFiles({ name: 'trap.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) });
  await expect(alert(page)).toContainText('contains scripts');

  expect(await count()).toBe(before);
  await expect(page.locator('cnn-image-picker [role="status"]')).toContainText(`Showing ${first.title}`);
  // A good file clears the message.
  await fileInput(page).setInputFiles('public/images/gravel.png');
  await expectImage(page, { title: 'gravel.png', width: 256, height: 256 });
  await expect(alert(page)).toHaveCount(0);
});

test('a large image is shrunk to the working size, not refused', async ({ page }) => {
  await openChapter(page);
  await expectImage(page, { id: GALLERY[0]!.id });
  await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(3000, 1500);
    canvas.getContext('2d')!.fillRect(0, 0, 3000, 1500);
    const data = new DataTransfer();
    data.items.add(new File([await canvas.convertToBlob()], 'big.png', { type: 'image/png' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
  });
  await expectImage(page, { title: 'big.png', width: 1024, height: 512 });
  await expect(page.locator('cnn-image-picker figcaption')).toContainText('shrunk from 3000 × 1500');
});

test('a plain SVG drawing is rasterised', async ({ page }) => {
  await openChapter(page);
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="red"/></svg>';
  await fileInput(page).setInputFiles({ name: 'box.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) });
  await expectImage(page, { title: 'box.svg', width: 40, height: 30 });
});

test('fits a 375 px wide screen without scrolling sideways', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await openChapter(page);
  await expectImage(page, { id: GALLERY[0]!.id });
  const overflow = await page.locator('cnn-image-picker').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});

test('takes a camera snapshot, and the camera stops when the picker leaves the page', async ({ page }) => {
  // A fake camera: a 320 × 240 canvas stream stands in for getUserMedia.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
      const ctx = canvas.getContext('2d')!;
      const draw = () => {
        ctx.fillStyle = `hsl(${Date.now() % 360} 80% 50%)`;
        ctx.fillRect(0, 0, 320, 240);
        requestAnimationFrame(draw);
      };
      draw();
      return canvas.captureStream(30);
    };
  });
  await openChapter(page);
  await expectImage(page, { id: GALLERY[0]!.id });
  await page.getByRole('button', { name: 'Use the camera' }).click();
  const snap = page.getByRole('button', { name: 'Take the picture' });
  await expect(snap).toBeEnabled();
  const video = page.locator('cnn-image-picker video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(320);
  await snap.click();
  await expectImage(page, { title: 'Camera snapshot', width: 320, height: 240 });
  await expect(video).toHaveCount(0); // stopped after the snapshot

  await page.getByRole('button', { name: 'Use the camera' }).click();
  await expect(snap).toBeEnabled();
  const state = await page.evaluate(() => {
    const picker = document.querySelector('cnn-image-picker')!;
    const track = (picker.shadowRoot!.querySelector('video')!.srcObject as MediaStream).getVideoTracks()[0]!;
    picker.remove();
    return track.readyState;
  });
  expect(state).toBe('ended');
});

test('says clearly when there is no camera to use', async ({ page }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await openChapter(page);
  await page.getByRole('button', { name: 'Use the camera' }).click();
  await expect(alert(page)).toContainText('The camera was not allowed');
  await expect(page.getByRole('button', { name: 'Use the camera' })).toBeVisible();
});
