/**
 * Opens a rendered report in headless Chromium (Debian's `chromium`, driven by playwright-core)
 * and checks that every plot rendered: SVG elements with non-zero boxes, the expected number of
 * points, no console errors, no network requests, and every in-page link resolving.
 *
 * This test does not skip: without /usr/bin/chromium it fails and says how to install it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from './render-report.ts';
import { syntheticReportInput } from './testing/synthetic-report.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

describe('HTML report in headless Chromium', () => {
  const input = syntheticReportInput();
  let dir = '';
  let browser: Browser | undefined;
  let page: Page;
  let pageUrl = '';
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; this test needs it to render the HTML report. ` +
          'Install it with `apt-get install -y chromium` (Debian/Ubuntu; CI installs it).',
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'rigl-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderReport(input).html);
    pageUrl = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pageUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Boxes of the elements matching `selector` inside each svg[data-plot=plot], per svg. */
  async function boxes(plot: string, selector: string): Promise<Box[][]> {
    return page.$$eval(
      `svg[data-plot="${plot}"]`,
      (svgs, sel) =>
        svgs.map((svg) =>
          Array.from(svg.querySelectorAll(sel), (el) => {
            const r = el.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
          }),
        ),
      selector,
    );
  }

  async function svgBoxes(plot: string): Promise<Box[]> {
    return page.$$eval(`svg[data-plot="${plot}"]`, (svgs) =>
      svgs.map((svg) => {
        const r = svg.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
  }

  function inside(inner: Box, outer: Box): boolean {
    return inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
  }

  it('loads without console errors and without any network request beyond the file itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pageUrl]);
  });

  it('renders every plot with a non-zero box', async () => {
    const expected: Record<string, number> = {
      'accuracy-vs-sparsity': 1,
      'claimed-vs-measured': 1,
      'order-differences': 2,
      'learning-curve': input.runs.length,
    };
    for (const [plot, count] of Object.entries(expected)) {
      const svgs = await svgBoxes(plot);
      expect(svgs, plot).toHaveLength(count);
      for (const box of svgs) {
        expect(box.width, plot).toBeGreaterThan(100);
        expect(box.height, plot).toBeGreaterThan(50);
      }
    }
  });

  it('accuracy vs sparsity: 9 configuration means, 26 seed dots, 3 claimed markers, error bars, inside the plot', async () => {
    const [svg] = await svgBoxes('accuracy-vs-sparsity');
    const [points] = await boxes('accuracy-vs-sparsity', 'circle.point');
    const [seeds] = await boxes('accuracy-vs-sparsity', 'circle.seed');
    const [claimed] = await boxes('accuracy-vs-sparsity', 'path.claimed');
    const [errorBars] = await boxes('accuracy-vs-sparsity', 'path.error-bar');
    expect(points).toHaveLength(9);
    expect(seeds).toHaveLength(26);
    expect(claimed).toHaveLength(3);
    // Every configuration has ≥ 2 successful seeds, so every mean has an error bar.
    expect(errorBars).toHaveLength(9);
    for (const box of [...(points ?? []), ...(seeds ?? []), ...(claimed ?? [])]) {
      expect(box.width).toBeGreaterThan(0);
      expect(box.height).toBeGreaterThan(0);
      expect(inside(box, svg as Box)).toBe(true);
    }
    // Means sit in three clusters, dense (0), 0.8 and 0.9: series at one sparsity are dodged by a
    // few px (distinct x), clusters are far apart.
    const xs = [...new Set((points ?? []).map((p) => Math.round(p.x + p.width / 2)))].sort((a, b) => a - b);
    expect(xs).toHaveLength(9);
    const gaps = xs.slice(1).map((x, i) => x - (xs[i] as number));
    // Four sparse series per sparsity, 5 px apart: 3 gaps of 5 px in each of the two clusters.
    expect(gaps.filter((g) => Math.abs(g - 5) <= 1)).toHaveLength(6);
    expect(gaps.filter((g) => g > 20)).toHaveLength(2);
  });

  it('claimed vs measured and order plots: one point per claim', async () => {
    const [valuePoints] = await boxes('claimed-vs-measured', 'circle.point');
    expect(valuePoints).toHaveLength(3);
    const orderPoints = await boxes('order-differences', 'circle.point');
    expect(orderPoints.map((p) => p.length)).toEqual([2, 1]);
    const [identity] = await boxes('claimed-vs-measured', 'path.identity');
    expect(identity?.[0]?.width).toBeGreaterThan(0);
  });

  it('learning curves: one dot per epoch and both curves drawn in each run', async () => {
    const dots = await boxes('learning-curve', 'circle.point');
    expect(dots.map((d) => d.length)).toEqual(input.runs.map(() => 4));
    const svgs = await svgBoxes('learning-curve');
    dots.forEach((perRun, i) => {
      for (const dot of perRun) {
        expect(dot.width).toBeGreaterThan(0);
        expect(inside(dot, svgs[i] as Box)).toBe(true);
      }
      // Accuracy rises every epoch in the fixture: screen y falls from left to right.
      const ys = perRun.map((d) => d.y);
      expect(ys).toEqual([...ys].sort((a, b) => b - a));
    });
    const accuracy = await boxes('learning-curve', 'path.curve-accuracy:not(.legend-swatch)');
    const loss = await boxes('learning-curve', 'path.curve-loss:not(.legend-swatch)');
    for (const curves of [accuracy, loss]) {
      for (const [first] of curves) {
        expect(first?.width).toBeGreaterThan(0);
        expect(first?.height).toBeGreaterThan(0);
      }
    }
  });

  it('shows escaped text as text, runs no script, and every in-page link has a target', async () => {
    expect(await page.$$eval('script', (s) => s.length)).toBe(0);
    expect(await page.textContent('h1')).toBe('Synthetic suite <b>not bold</b> & co');
    const missing = await page.$$eval('a[href^="#"]', (links) =>
      links
        .map((a) => decodeURIComponent((a.getAttribute('href') ?? '').slice(1)))
        .filter((id) => document.getElementById(id) === null),
    );
    expect(missing).toEqual([]);
  });
});
