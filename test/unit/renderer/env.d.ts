/**
 * The renderer tests mount `.vue` components: give the root `tsc` program (which has no DOM
 * library, and must not get one: Node code is checked in it) the `.vue` module type. The
 * renderer's own program, renderer/tsconfig.json, checks the components for real.
 */
// A global declaration file outside this program's `include` can only be pulled in by reference.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../renderer/shims-vue.d.ts" />
