/**
 * The little of the DOM that the functions the UI tests run inside the page use, typed by hand:
 * the root TypeScript program checks Node code and has no DOM library, on purpose (see
 * test/unit/renderer/env.d.ts). Page-side functions cast `globalThis` or their element argument
 * to these; the types are erased, so nothing here reaches the page.
 */

/** An element, as far as the tests read it. */
export interface PageElement {
  readonly id: string;
  readonly tagName: string;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/** The page's globals the tests use. */
export interface PageGlobals {
  readonly document: PageElement & { readonly activeElement: PageElement | null };
}

/** A canvas, as far as the chart check reads it. */
export interface PageCanvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
  getBoundingClientRect(): { width: number; height: number };
}
