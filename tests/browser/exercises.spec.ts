import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { builtChapters, expect, test } from './fixtures';

const RELU = '/chapters/relu-backward/';

/** Answers one exercise with `guess` (a choice index or a number) and checks it. */
async function answer(exercise: Locator, guess: string): Promise<void> {
  await exercise.scrollIntoViewIfNeeded();
  // The element loads as it nears the viewport: its form is there once it has rendered.
  await expect(exercise.getByRole('button', { name: /check/i })).toBeVisible();
  const radios = exercise.locator('input[type="radio"]');
  if (await radios.count()) await radios.nth(Number(guess)).check();
  else await exercise.locator('input[type="number"]').fill(guess);
  await exercise.getByRole('button', { name: /check/i }).click();
}

/** A wrong guess for an exercise whose right answer is `right`. */
const wrong = (exercise: Locator, right: string) =>
  exercise.locator('input[type="radio"]').count().then((n) => (n ? String((Number(right) + 1) % n) : String(Number(right) + 1)));

async function resultTable(page: Page, rule: string): Promise<number[]> {
  return (await page.locator(`cnn-relu-backward table[data-rule="${rule}"] td`).allInnerTexts()).map(Number);
}

/** What checking an exercise showed: the feedback's result and text, and whether the explanation is shown. */
interface Shown {
  result: string | null;
  text: string;
  explained: boolean;
}

/**
 * Answers every exercise of the page but the last in the page itself, through the same events a reader's
 * clicks fire (a radio's change or the number's input, then the form's submit): nothing blank, a wrong guess,
 * then the right answer, each shown state read back once the element has rendered. One round trip for the
 * whole page, so a chapter whose figures keep the page busy (t-SNE maps, feature searches) costs no more
 * than one wait on them.
 */
function answerInPage(page: Page): Promise<{ id: string; steps: Shown[]; marked: boolean }[]> {
  return page.evaluate(async () => {
    type Predict = HTMLElement & { updateComplete: Promise<boolean>; tolerance: number };
    const out = [];
    for (const el of [...document.querySelectorAll<Predict>('cnn-predict')].slice(0, -1)) {
      await customElements.whenDefined('cnn-predict');
      await el.updateComplete;
      const root = el.shadowRoot!;
      const feedback = root.querySelector('.feedback')!;
      const explanation = root.querySelector<HTMLElement>('.explanation')!;
      const radios = [...root.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
      const right = el.getAttribute('answer')!;
      const check = async (guess: string | null): Promise<Shown> => {
        if (guess !== null && radios.length) {
          radios[Number(guess)]!.checked = true;
          radios[Number(guess)]!.dispatchEvent(new Event('change', { bubbles: true }));
        } else if (guess !== null) {
          const input = root.querySelector<HTMLInputElement>('input[type="number"]')!;
          input.value = guess;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }
        root.querySelector('form')!.requestSubmit();
        await el.updateComplete;
        return { result: feedback.getAttribute('data-result'), text: feedback.textContent ?? '', explained: !explanation.hidden };
      };
      const wrongGuess = radios.length ? String((Number(right) + 1) % radios.length) : String(Number(right) + 1 + 2 * el.tolerance);
      const steps = [await check(null), await check(wrongGuess)];
      const marked = !radios.length || root.querySelector('.right') !== null;
      steps.push(await check(right));
      out.push({ id: el.id, steps, marked });
    }
    return out;
  });
}

/** The ids of the exercises recorded in the reader's progress for `chapter`. */
async function recorded(page: Page, chapter: string): Promise<string[]> {
  const stored = await page.evaluate(() => localStorage.getItem('inside-the-convnet:progress'));
  return stored ? ((JSON.parse(stored) as Record<string, { exercises?: string[] }>)[chapter]?.exercises ?? []) : [];
}

test('the built page of every chapter has an Exercises section: a quiz of questions, each with an id and an answer', () => {
  const chapters = builtChapters();
  expect(chapters.length).toBeGreaterThanOrEqual(9);
  const ids = new Set<string>();
  for (const chapter of chapters) {
    const page = readFileSync(`dist${chapter}index.html`, 'utf8');
    const at = page.search(/<h2[^>]*\bid="exercises"/);
    expect(at, `${chapter} has an Exercises section`).toBeGreaterThan(0);
    const section = page.slice(at).split(/<h2[\s>]/)[1]!;
    expect(section, `${chapter}'s Exercises hold a quiz`).toContain('<cnn-quiz');
    const questions = [...section.matchAll(/<cnn-predict\b([^>]*)>/g)].map((m) => m[1]!);
    expect(questions.length, `${chapter} has at least two exercises`).toBeGreaterThanOrEqual(2);
    for (const attributes of questions) {
      const id = attributes.match(/\bid="([^"]+)"/)?.[1];
      expect(id, `an exercise of ${chapter} has an id`).toBeTruthy();
      expect(ids.has(id!), `${id} is used once in the book`).toBe(false);
      ids.add(id!);
      expect(attributes, `${id} has a numeric answer`).toMatch(/\banswer="-?\d+(\.\d+)?"/);
    }
  }
});

for (const chapter of builtChapters()) {
  test(`every exercise of ${chapter} says whether a guess is right, then explains, and is recorded`, async ({ page }) => {
    await page.goto(chapter);
    const exercises = page.locator('cnn-predict');
    const ids = await exercises.evaluateAll((els) => els.map((el) => el.id));
    expect(ids.length).toBeGreaterThanOrEqual(2);

    // The last exercise as a reader answers it: a click on Check with nothing chosen, a wrong guess, the right one.
    // It lies farthest below the chapter's figures, so scrolling to it starts as few of them as can be.
    const byHand = exercises.last();
    const right = (await byHand.getAttribute('answer'))!;
    const feedback = byHand.locator('.feedback');
    await byHand.scrollIntoViewIfNeeded();
    await byHand.getByRole('button', { name: /check/i }).click();
    await expect(feedback).toHaveText(/first/);
    await expect(byHand.locator('.explanation')).toBeHidden();
    await answer(byHand, await wrong(byHand, right));
    await expect(feedback).toHaveAttribute('data-result', 'false');
    await expect(feedback).toContainText('the answer is');
    await expect(byHand.locator('.explanation')).toBeVisible();
    await answer(byHand, right);
    await expect(feedback).toHaveAttribute('data-result', 'true');

    for (const { id, steps, marked } of await answerInPage(page)) {
      const [blank, wrongOne, rightOne] = steps;
      expect(blank, `${id}: nothing chosen`).toMatchObject({ result: null, explained: false });
      expect(blank!.text, `${id}: nothing chosen`).toMatch(/first/);
      expect(wrongOne, `${id}: a wrong guess`).toMatchObject({ result: 'false', explained: true });
      expect(wrongOne!.text, `${id}: a wrong guess`).toContain('the answer is');
      expect(marked, `${id}: the right choice is marked`).toBe(true);
      expect(rightOne, `${id}: the right answer`).toMatchObject({ result: 'true', text: 'Right.', explained: true });
    }
    // Every quiz counts each of its questions, all last answered right.
    for (const quiz of await page.locator('cnn-quiz').all()) {
      const count = String(await quiz.locator('cnn-predict').count());
      await expect(quiz.locator('.score')).toHaveAttribute('data-answered', count);
      await expect(quiz.locator('.score')).toHaveAttribute('data-right', count);
    }
    expect((await recorded(page, chapter)).sort()).toEqual(ids.filter(Boolean).sort());
  });
}

test('the ReLU exercises agree with the live tables, and a button sets the tables to show an answer', async ({ page, problems }) => {
  await page.goto(RELU);
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
  await expect.poll(() => resultTable(page, 'guided')).toHaveLength(9);
  const guidedCount = (await resultTable(page, 'guided')).filter((v) => v !== 0).length;
  expect(String(guidedCount)).toBe(await page.locator('#ex-relu-guided-count').getAttribute('answer'));
  const deconvnetSum = (await resultTable(page, 'deconvnet')).reduce((a, b) => a + b, 0);
  expect(String(deconvnetSum)).toBe(await page.locator('#ex-relu-deconvnet-sum').getAttribute('answer'));

  const ones = page.locator('#ex-relu-ones');
  await answer(ones, '1');
  await ones.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect.poll(() => resultTable(page, 'deconvnet')).toEqual(Array(9).fill(1));
  expect(await resultTable(page, 'guided')).toEqual(await resultTable(page, 'backprop'));

  const identical = page.locator('#ex-relu-identical');
  await answer(identical, '2');
  await identical.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect.poll(() => resultTable(page, 'deconvnet')).toEqual([2, 0, 1, 6, 0, 0, 0, 1, 3]);
  expect(await resultTable(page, 'backprop')).toEqual(await resultTable(page, 'deconvnet'));
  expect(await resultTable(page, 'guided')).toEqual(await resultTable(page, 'deconvnet'));
  expect(problems.list).toEqual([]);
});

test('an exercise is answered from the keyboard alone, and answering records it in the reader\'s progress', async ({ page }) => {
  await page.goto(RELU);
  const exercise = page.locator('#ex-relu-gradient');
  await exercise.scrollIntoViewIfNeeded();
  await exercise.locator('input[type="radio"]').first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(exercise.locator('input[type="radio"]').nth(1)).toBeChecked();
  await page.keyboard.press('Enter');
  await expect(exercise.locator('.feedback')).toHaveAttribute('data-result', 'true');
  await expect(exercise.getByRole('group')).toBeVisible();
  const stored = await page.evaluate(() => localStorage.getItem('inside-the-convnet:progress'));
  expect(JSON.parse(stored!)[RELU].exercises).toContain('ex-relu-gradient');
});

const OCCLUSION = '/chapters/occlusion-and-feature-space/';
const OPTIMISATION = '/chapters/images-by-optimisation/';
const SCENE = `?input=${encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:3' }))}`;
const numbersIn = (text: string) => [...text.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
const answerOf = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('answer');

test('the occlusion exercises agree with the live occlusion figure, at its first stride and at stride 8', async ({ page, problems }) => {
  await page.goto(OCCLUSION + SCENE);
  const occlusion = page.locator('cnn-occlusion#occlusion');
  await occlusion.scrollIntoViewIfNeeded();
  const status = occlusion.locator('.status');
  const line = /(\d+) occluded images in (\d+) batched passes/;
  await expect(status).toContainText(line, { timeout: 45_000 });
  const [, images, passes] = (await status.innerText()).match(line)!.map(Number);
  expect(String(passes)).toBe(await answerOf(page, 'ex-occlusion-passes'));
  expect(passes).toBe(Math.ceil(images! / 64));

  const stride = occlusion.getByRole('spinbutton', { name: 'Stride (pixels)' });
  await stride.fill('8');
  await stride.dispatchEvent('change');
  // The map at the new stride is done once the status reports a count other than the first one.
  await expect(status).toContainText(new RegExp(`\\b(?!${images}\\b)\\d+ occluded images in \\d+ batched passes`));
  const strideImages = numbersIn((await status.innerText()).match(/\d+ occluded images/)![0])[0];
  expect(String(strideImages)).toBe(await answerOf(page, 'ex-occlusion-stride'));
  expect(problems.list).toEqual([]);
});

test('the neighbours exercise agrees with the live figure: the feature-space row holds the most neighbours of the class', async ({ page, problems }) => {
  await page.goto(OCCLUSION + SCENE);
  const neighbours = page.locator('cnn-nearest-neighbours#neighbours');
  await neighbours.scrollIntoViewIfNeeded();
  await expect(neighbours.locator('.status')).toContainText('Searched', { timeout: 50_000 });
  const rows = neighbours.locator('section.row');
  await expect(rows).toHaveCount(3);
  const shares = await Promise.all([0, 1, 2].map(async (i) => numbersIn(await rows.nth(i).locator('.readout').innerText())[0]!));
  const best = shares.indexOf(Math.max(...shares));
  expect(shares.filter((s) => s === shares[best])).toHaveLength(1);
  expect(String(best)).toBe(await answerOf(page, 'ex-neighbours-space'));
  expect(problems.list).toEqual([]);
});

test('the circuit exercises agree with the live circuit figure (channels read, weights per slice), and the edge exercise switches it to the signed L2 norm', async ({ page, problems }) => {
  await page.goto(OPTIMISATION + SCENE);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  const description = figure.locator('[data-circuit^="conv4_1:"]');
  await expect(description).toBeVisible({ timeout: 45_000 });
  const text = await description.innerText();
  expect(text).toMatch(/of conv3_1 \(across [^)]*pool/);
  const channels = Number(text.match(/reads the (\d+) output channels/)![1]);
  expect(String(channels)).toBe(await answerOf(page, 'ex-circuit-channels'));
  const squares = await figure.locator('[data-list="positive"] figure').first().locator('.grid span').count();
  expect(String(squares)).toBe(await answerOf(page, 'ex-circuit-slice'));

  // The edge exercise, once answered, switches the figure to the signed L2 norm, which it then computes.
  const strength = figure.getByRole('combobox', { name: 'Strength' });
  await expect(strength).toHaveValue('sum');
  const bySum = await figure.locator('[data-list] figure').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-channel')));
  const edge = page.locator('#ex-circuit-edge');
  await answer(edge, (await edge.getAttribute('answer'))!);
  await expect(edge.locator('.feedback')).toHaveAttribute('data-result', 'true');
  await edge.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect(strength).toHaveValue('l2');
  await expect(description).toContainText('its signed L2 norm');
  expect(JSON.parse(new URL(page.url()).searchParams.get('circuit')!)).toMatchObject({ strength: 'l2' });
  await expect.poll(() => figure.locator('[data-list] figure').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-channel')))).not.toEqual(bySum);
  // The reader goes back to the sum; the exercise's button switches the figure again.
  await strength.selectOption('sum');
  await expect(description).toContainText('its sum');
  await edge.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect(strength).toHaveValue('l2');
  expect(problems.list).toEqual([]);
});
